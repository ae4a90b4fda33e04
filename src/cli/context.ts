/**
 * The per-run `CommandContext`: output mode, diagnostics reporting and the
 * source registry behind snippets.
 *
 * Diagnostics flow: a command that reads .cw files passes the `SourceFile`s
 * to `ctx.registerSource(...)` (the config loader returns them), then
 * `ctx.reportDiagnostics(diags)` whenever it has some. In human mode they are
 * rendered on stderr at once; with `--json` they are collected for the
 * command's document (`ctx.takeJsonDiagnostics()`), or, for streaming commands
 * (`output: "stream"`), printed as `diagnostic` events. `finish()` prints the
 * closing `Error: N errors, M warnings` line, or the fallback JSON document.
 */
import { relative, resolve } from "node:path";
import {
  type Diagnostic,
  diagnosticToJson,
  type JsonDiagnostic,
  type JsonRange,
  renderDiagnostics,
  type SourceFile,
} from "../hcl/mod.ts";
import type { Command, CommandContext, GlobalOptions, Io } from "./commands/_types.ts";
import { stderrPainter } from "./views/paint.ts";
import { FORMAT_VERSION, jsonOut } from "./views/json.ts";

const LEVEL_RANK = { debug: 0, info: 1, warn: 2, error: 3 } as const;

export interface RunContext extends CommandContext {
  /** After `run`: the summary line (human) or the uncollected diagnostics (JSON). */
  finish(): void;
  /** True once the command wrote anything on stdout. */
  readonly wroteStdout: boolean;
}

export function createContext(options: {
  command: Command;
  globals: GlobalOptions;
  io: Io;
  cwd: string;
  env: Readonly<Record<string, string>>;
  values: CommandContext["values"];
  positionals: readonly string[];
}): RunContext {
  const { command, globals, cwd } = options;
  let wroteStdout = false;
  const io: Io = {
    ...options.io,
    stdout(text) {
      wroteStdout = true;
      options.io.stdout(text);
    },
    stderr: (text) => options.io.stderr(text),
    readLine: (prompt) => options.io.readLine(prompt),
    interactive: options.io.interactive,
    color: options.io.color,
    stderrColor: options.io.stderrColor ?? options.io.color,
    progress: options.io.progress ?? false,
  };
  const sources = new Map<string, SourceFile>();
  const lookup = (name: string) => sources.get(name) ?? sources.get(resolve(cwd, name));
  const display = (name: string) => {
    const shown = relative(cwd, resolve(cwd, name));
    return shown === "" ? name : shown;
  };
  // Everything this context paints (diagnostics, log lines, the summary) goes to stderr.
  const paint = stderrPainter(io);
  const streaming = command.output === "stream";
  let collected: JsonDiagnostic[] = [];
  let errors = 0;
  let warnings = 0;
  let reportedHuman = 0;

  const toJson = (d: Diagnostic): JsonDiagnostic => {
    const json = diagnosticToJson(d, lookup);
    const fix = (r: JsonRange | undefined) => r && { ...r, filename: display(r.filename) };
    if (json.range) json.range = fix(json.range);
    if (json.context) json.context = fix(json.context);
    return json;
  };

  const envLevel = options.env.CLOCKWORK_LOG_LEVEL;
  const level = globals.logLevel ??
    (envLevel !== undefined && envLevel in LEVEL_RANK
      ? envLevel as keyof typeof LEVEL_RANK
      : "warn");
  const minimumLevel = LEVEL_RANK[level];

  const context: RunContext = {
    globals,
    io,
    cwd,
    env: options.env,
    values: options.values,
    positionals: options.positionals,
    get wroteStdout() {
      return wroteStdout;
    },
    registerSource(...files) {
      for (const file of files) {
        sources.set(file.filename, file);
        sources.set(resolve(cwd, file.filename), file);
      }
    },
    reportDiagnostics(diagnostics) {
      if (diagnostics.length === 0) return;
      for (const d of diagnostics) d.severity === "error" ? errors++ : warnings++;
      if (globals.json) {
        if (streaming) {
          for (const d of diagnostics) {
            io.stdout(
              JSON.stringify({ format_version: FORMAT_VERSION, type: "diagnostic", ...toJson(d) }) +
                "\n",
            );
          }
        } else {
          collected.push(...diagnostics.map(toJson));
        }
        return;
      }
      const text = renderDiagnostics(diagnostics, lookup, { paint, displayName: display });
      io.stderr((reportedHuman > 0 ? "\n" : "") + text + "\n");
      reportedHuman += diagnostics.length;
    },
    takeJsonDiagnostics() {
      const taken = collected;
      collected = [];
      return taken;
    },
    log(level, message) {
      if (LEVEL_RANK[level] < minimumLevel) return;
      const style = level === "error" ? "error" : level === "warn" ? "warning" : "note";
      io.stderr(`${paint(style, level)}: ${message}\n`);
    },
    finish() {
      if (globals.json) {
        if (collected.length > 0) {
          if (!wroteStdout) jsonOut(io, { diagnostics: collected });
          else {
            for (const d of collected) io.stderr(JSON.stringify(d) + "\n");
          }
          collected = [];
        }
        return;
      }
      if (errors + warnings === 0) return;
      io.stderr("\n" + diagnosticSummary(errors, warnings, paint) + "\n");
    },
  };
  return context;
}

/** `Error: 2 errors, 1 warning` or `Warning: 1 warning`. */
export function diagnosticSummary(
  errors: number,
  warnings: number,
  paint: (style: "error" | "warning", text: string) => string = (_s, t) => t,
): string {
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const parts = [
    ...(errors > 0 ? [count(errors, "error")] : []),
    ...(warnings > 0 ? [count(warnings, "warning")] : []),
  ];
  return errors > 0
    ? `${paint("error", "Error:")} ${parts.join(", ")}`
    : `${paint("warning", "Warning:")} ${parts.join(", ")}`;
}
