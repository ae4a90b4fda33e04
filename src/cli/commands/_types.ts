/**
 * The contract every command file implements. The dispatcher (src/cli/) parses
 * global flags, finds the command in the table, parses its own flags with
 * `node:util` parseArgs from `options`, and calls `run`. Commands return an
 * exit code; only main.ts calls Deno.exit.
 */
import type { Diagnostic, JsonDiagnostic, SourceFile } from "../../hcl/mod.ts";

export interface Io {
  /** Human output and JSON documents. */
  stdout(text: string): void;
  /** Diagnostics and progress. */
  stderr(text: string): void;
  /** stdin is a terminal: confirmation prompts are allowed. */
  readonly interactive: boolean;
  /** stdout is a terminal and colour is not disabled. */
  readonly color: boolean;
  /**
   * stderr is a terminal and colour is not disabled (absent: as `color`).
   * Separate from `color` because `clockwork validate 2>errors.txt` on a
   * terminal must put plain text in the file.
   */
  readonly stderrColor?: boolean;
  /** stderr is a terminal: progress lines may animate (absent means no). */
  readonly progress?: boolean;
  /** Reads one line from stdin (for confirmations); null at end of input. */
  readLine(prompt: string): Promise<string | null>;
}

export interface GlobalOptions {
  readonly chdir?: string;
  readonly json: boolean;
  readonly noColor: boolean;
  /** `--var NAME=VALUE`, in command-line order. */
  readonly vars: readonly string[];
  readonly varFiles: readonly string[];
  readonly logLevel?: "debug" | "info" | "warn" | "error";
  readonly noAi: boolean;
  readonly aiProvider?: string;
  readonly model?: string;
  readonly baseUrl?: string;
}

export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  readonly multiple?: boolean;
  readonly default?: string | boolean;
  readonly description: string;
  /** Placeholder shown in help, e.g. FILE. */
  readonly valueName?: string;
}

export interface CommandContext {
  readonly globals: GlobalOptions;
  readonly io: Io;
  /** Process working directory after `-C`. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Parsed command flags (by long name) and positionals. */
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: readonly string[];
  /**
   * Reports diagnostics the way the output mode asks:
   * - human mode: rendered rustc-style on stderr at once (snippets for files
   *   given to `registerSource`); the dispatcher prints `Error: N errors, M
   *   warnings` once after `run` returns;
   * - `--json` with `output: "document"` (the default): collected; the command
   *   puts `takeJsonDiagnostics()` into its single JSON document;
   * - `--json` with `output: "stream"`: printed at once as
   *   `{"format_version":"1","type":"diagnostic",…}` lines on stdout.
   */
  reportDiagnostics(diagnostics: readonly Diagnostic[]): void;
  /** Makes a file's text known so diagnostics pointing into it show a snippet. */
  registerSource(...files: SourceFile[]): void;
  /**
   * JSON mode: the diagnostics collected so far (filenames relative to `cwd`),
   * emptying the collection. If a document command never takes them, the
   * dispatcher prints `{"format_version":"1","diagnostics":[…]}` itself.
   */
  takeJsonDiagnostics(): JsonDiagnostic[];
  /** Writes a log line on stderr when `level` is at or above `--log-level` (default warn). */
  log(level: "debug" | "info" | "warn" | "error", message: string): void;
}

export interface Command {
  /** For subcommands, the full name: "state list", "plugin add". */
  readonly name: string;
  readonly summary: string;
  /** e.g. "clockwork plan [DIR] [--out FILE]" */
  readonly usage: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Longer help text shown under usage. */
  readonly description?: string;
  readonly positionals?: { readonly min: number; readonly max: number; readonly names: string };
  /** How `--json` output is shaped: one document (default) or an NDJSON event stream. */
  readonly output?: "document" | "stream";
  run(ctx: CommandContext): Promise<number>;
}
