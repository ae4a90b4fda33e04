/**
 * The dispatcher: finds the command, parses flags, builds the context, runs
 * it, and turns anything unexpected into one line on stderr and exit 1.
 */
import { resolve } from "node:path";
import { isLogLevel, LOG_LEVELS, toGlobalOptions } from "./arguments/globals.ts";
import { locateCommand, parseCommandArgs } from "./arguments/parse.ts";
import { didYouMean } from "./arguments/suggest.ts";
import type { Command, GlobalOptions, Io } from "./commands/_types.ts";
import {
  commandNames,
  groupNames,
  loadAllCommands,
  loadCommand,
  subcommandsOf,
  topLevelWords,
} from "./commands/_table.ts";
import { createContext } from "./context.ts";
import { hasErrors } from "../hcl/mod.ts";
import { resolveSettings } from "./settings.ts";
import { renderCommandHelp, renderGroupHelp, renderTopHelp } from "./help.ts";
import { OutputWriteError, realIo } from "./io.ts";
import { painter } from "./views/paint.ts";
import { usageError } from "./views/usage.ts";

/**
 * Runs `clockwork ARGV…` and returns the exit code. `io`, `env` and `cwd`
 * default to the real process; tests pass their own. Only main.ts exits.
 */
const SETTINGS_FREE = new Set(["version", "completion"]);

export async function runCli(
  argv: readonly string[],
  io: Io = realIo(),
  env: Readonly<Record<string, string>> = Deno.env.toObject(),
  cwd: string = Deno.cwd(),
): Promise<number> {
  const noColor = (env.NO_COLOR ?? "") !== "" || argv.includes("--no-color");
  if (noColor) io = { ...io, color: false, stderrColor: false };
  // With --json a script reads stdout only, so a usage error is a diagnostic there too.
  const json = argv.includes("--json");
  const fail = (message: string) => usageError(io, json, message);
  let debug = env.CLOCKWORK_LOG_LEVEL === "debug";
  try {
    const located = locateCommand(argv, (word) => groupNames.has(word));
    if (!located.ok) return fail(`clockwork: ${located.message}`);
    const { words, rest, help } = located.value;
    const paint = painter(io);

    if (words.length === 0) {
      const unexpected = rest.find((t) => t !== "--help" && t !== "-h" && !t.startsWith("-"));
      if (unexpected !== undefined) return fail(`clockwork: unexpected argument "${unexpected}"`);
      io.stdout(renderTopHelp(await loadAllCommands(), paint));
      return 0;
    }
    const [first, second] = words;
    let name = first;
    if (groupNames.has(first)) {
      const subs = subcommandsOf(first);
      if (second === undefined) {
        if (help) {
          const commands = await Promise.all(subs.map((s) => loadCommand(`${first} ${s}`)!));
          io.stdout(renderGroupHelp(first, commands, paint));
          return 0;
        }
        return fail(`clockwork ${first}: missing subcommand; expected one of ${subs.join(", ")}`);
      }
      name = `${first} ${second}`;
    }
    const loading = loadCommand(name);
    if (!loading) {
      const candidates = groupNames.has(first) ? commandNames : topLevelWords;
      const hint = didYouMean(name, candidates) ||
        ` Run "clockwork --help" for the list of commands.`;
      return fail(`clockwork: unknown command "${name}".${hint}`);
    }
    const command = await loading;

    // Help wins over everything else on the line, even a flag that does not parse.
    if (help) {
      io.stdout(renderCommandHelp(command, paint));
      return 0;
    }
    const parsed = parseCommandArgs(rest, command);
    if (!parsed.ok) return fail(parsed.message);
    const { values, positionals } = parsed.value;
    const logLevel = values["log-level"];
    if (typeof logLevel === "string" && !isLogLevel(logLevel)) {
      return fail(
        `clockwork: invalid --log-level "${logLevel}"; expected one of ${LOG_LEVELS.join(", ")}`,
      );
    }
    const badVar = (values.var as string[] | undefined)?.find((v) =>
      !/^[A-Za-z_][A-Za-z0-9_-]*=/.test(v)
    );
    if (badVar !== undefined) {
      return fail(`clockwork: --var needs NAME=VALUE, got "${badVar}"`);
    }
    const globals = toGlobalOptions(values);
    debug = globals.logLevel === "debug" || (globals.logLevel === undefined && debug);

    const count = checkPositionals(command, positionals);
    if (count) return fail(count);

    let workDir = cwd;
    if (globals.chdir !== undefined) {
      workDir = resolve(cwd, globals.chdir);
      const problem = directoryProblem(workDir);
      if (problem) return fail(`clockwork: cannot use -C "${globals.chdir}": ${problem}`);
      // Commands resolve paths against ctx.cwd. When running as the process (cwd
      // is the real one) the process moves too, so relative paths in libraries
      // and child processes agree; in-process callers with their own cwd are left alone.
      if (cwd === Deno.cwd()) Deno.chdir(workDir);
    }

    const ctx = createContext({
      command,
      globals,
      io,
      cwd: workDir,
      env,
      values: commandValues(values, command),
      positionals,
    });
    // A bad CLOCKWORK_* variable or flag value is an error for every command
    // that has settings to read (not for version or completion scripts).
    if (!SETTINGS_FREE.has(command.name)) {
      const fromEnvironment = resolveSettings({ env, flags: globals }).diagnostics;
      if (hasErrors(fromEnvironment)) {
        ctx.reportDiagnostics(fromEnvironment);
        ctx.finish();
        return 1;
      }
    }
    // A promise a command forgot to await must not end the process with a stack trace.
    let stray: unknown;
    const onRejection = (event: PromiseRejectionEvent) => {
      event.preventDefault();
      stray ??= event.reason;
    };
    globalThis.addEventListener("unhandledrejection", onRejection);
    try {
      const code = await command.run(ctx);
      ctx.finish();
      if (stray !== undefined) throw stray;
      return code;
    } finally {
      globalThis.removeEventListener("unhandledrejection", onRejection);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof OutputWriteError) {
      // Where the output goes failed (a full disk): the user's problem to fix, not a bug.
      // stderr may be the stream that failed, and then there is nowhere left to say so.
      try {
        io.stderr(`clockwork: cannot write output to ${error.stream}: ${message}\n`);
      } catch { /* nothing more to do */ }
      return 1;
    }
    try {
      io.stderr(`clockwork: internal error: ${message.split("\n")[0]}\n`);
      if (debug && error instanceof Error && error.stack) io.stderr(error.stack + "\n");
    } catch { /* stderr is gone too */ }
    return 1;
  }
}

function checkPositionals(command: Command, positionals: readonly string[]): string | undefined {
  const { min, max, names } = command.positionals ?? { min: 0, max: 0, names: "" };
  if (positionals.length < min) {
    return `clockwork ${command.name}: missing ${names}; usage: ${command.usage}`;
  }
  if (positionals.length > max) {
    const extra = positionals[max];
    return max === 0
      ? `clockwork ${command.name}: unexpected argument "${extra}"; usage: ${command.usage}`
      : `clockwork ${command.name}: too many arguments (from "${extra}"); usage: ${command.usage}`;
  }
  return undefined;
}

function directoryProblem(path: string): string | undefined {
  try {
    return Deno.statSync(path).isDirectory ? undefined : "not a directory";
  } catch (error) {
    return error instanceof Deno.errors.NotFound ? "no such directory" : String(error);
  }
}

/** The command's own flags only; global ones live in `ctx.globals`. */
function commandValues(
  values: Record<string, string | boolean | string[] | undefined>,
  command: Command,
): Record<string, string | boolean | string[] | undefined> {
  const out: Record<string, string | boolean | string[] | undefined> = {};
  for (const name of Object.keys(command.options)) out[name] = values[name];
  return out;
}

export type { GlobalOptions };
