/**
 * Two steps, so global flags may sit before or after the command name:
 * 1. `locateCommand` walks argv, skipping global flags (and their values),
 *    and finds the command words ("plan", or "state" + "list").
 * 2. `parseCommandArgs` runs node:util `parseArgs` (strict) over the rest with
 *    the command's options and the global ones together, and turns its errors
 *    into one-line messages with a suggestion.
 */
import { parseArgs } from "node:util";
import type { Command, OptionSpec } from "../commands/_types.ts";
import { GLOBAL_FLAG_SPELLINGS, GLOBAL_OPTIONS, GLOBAL_VALUE_FLAGS } from "./globals.ts";
import { flagSuggestion } from "./suggest.ts";

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export interface Located {
  /** The command words found: [], ["plan"] or ["state", "list"] (the second may be a typo). */
  readonly words: string[];
  /** argv without the command words. */
  readonly rest: string[];
  /** `-h`/`--help` was seen (before `--`). */
  readonly help: boolean;
}

function flagName(token: string): string {
  if (token.startsWith("--")) return token.split("=", 1)[0];
  return token.slice(0, 2);
}

/** The flag as the user wrote it, without an inline value: `-auto-approve`, `--out`. */
function writtenFlag(token: string): string {
  return token.split("=", 1)[0];
}

/** `--version` before any command word runs the `version` command, as in most tools. */
const VERSION_FLAG = "--version";

/** Whether the token carries its value inline: `--chdir=x` or `-Cx`. */
function hasInlineValue(token: string): boolean {
  return token.startsWith("--") ? token.includes("=") : token.length > 2;
}

export function locateCommand(
  argv: readonly string[],
  isGroup: (word: string) => boolean,
): Parsed<Located> {
  const words: string[] = [];
  const wordIndices = new Set<number>();
  let help = false;
  let seekingWords = true;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === "--") break;
    if (token.startsWith("-") && token !== "-") {
      const name = flagName(token);
      if (name === "--help" || name === "-h") help = true;
      if (GLOBAL_FLAG_SPELLINGS.has(name)) {
        if (GLOBAL_VALUE_FLAGS.has(name) && !hasInlineValue(token)) i++;
        continue;
      }
      if (words.length === 0 && token === VERSION_FLAG) {
        words.push("version");
        wordIndices.add(i);
        seekingWords = false;
        continue;
      }
      if (words.length === 0) {
        const written = writtenFlag(token);
        return {
          ok: false,
          message: `unknown flag "${written}" before the command name.${
            flagSuggestion(written, GLOBAL_FLAG_SPELLINGS) ||
            ` Command flags go after the command${
              written.startsWith("--") ? "" : " and long flags start with two dashes"
            }; see "clockwork --help".`
          }`,
        };
      }
      // A command flag: the command words are complete (values are the parser's job).
      seekingWords = false;
      continue;
    }
    if (!seekingWords) continue;
    words.push(token);
    wordIndices.add(i);
    if (words.length === 2 || !isGroup(token)) seekingWords = false;
  }
  return {
    ok: true,
    value: { words, rest: argv.filter((_, i) => !wordIndices.has(i)), help },
  };
}

export interface ParsedCommandArgs {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
}

type ParseArgsOptions = Record<
  string,
  { type: "string" | "boolean"; short?: string; multiple?: boolean; default?: string | boolean }
>;

function toParseArgsOptions(options: Readonly<Record<string, OptionSpec>>): ParseArgsOptions {
  const out: ParseArgsOptions = {};
  for (const [name, spec] of Object.entries(options)) {
    out[name] = { type: spec.type };
    if (spec.short) out[name].short = spec.short;
    if (spec.multiple) out[name].multiple = true;
    if (spec.default !== undefined) {
      out[name].default = spec.multiple ? [spec.default] as unknown as string : spec.default;
    }
  }
  return out;
}

/** Parses the command's flags and the global flags together (strict). */
export function parseCommandArgs(
  rest: readonly string[],
  command: Command,
): Parsed<ParsedCommandArgs> {
  const options = { ...toParseArgsOptions(command.options), ...toParseArgsOptions(GLOBAL_OPTIONS) };
  const singleDash = singleDashLongFlag(rest, options);
  if (singleDash !== undefined) {
    return { ok: false, message: unknownFlagMessage(singleDash, command) };
  }
  try {
    const { values, positionals } = parseArgs({
      args: [...rest],
      options,
      strict: true,
      allowPositionals: true,
    });
    return { ok: true, value: { values: values as ParsedCommandArgs["values"], positionals } };
  } catch (error) {
    return { ok: false, message: describeParseError(error, command) };
  }
}

/**
 * The first token written like a Terraform flag (`-auto-approve`, `-var`,
 * `-out=p.plan`): one dash and several letters that are not a short flag with
 * its value (`-Cdir`) or a group of boolean short flags. parseArgs would read
 * it as a group of one-letter flags and complain about the first letter only.
 */
function singleDashLongFlag(
  rest: readonly string[],
  options: ParseArgsOptions,
): string | undefined {
  const shortType = new Map<string, "string" | "boolean">();
  const longType = new Map<string, "string" | "boolean">();
  for (const [name, spec] of Object.entries(options)) {
    longType.set(name, spec.type);
    if (spec.short) shortType.set(spec.short, spec.type);
  }
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i];
    if (token === "--") break;
    if (token.startsWith("--")) {
      if (!token.includes("=") && longType.get(token.slice(2)) === "string") i++;
      continue;
    }
    if (!token.startsWith("-") || token.length < 2) continue;
    const first = shortType.get(token[1]);
    if (token.length === 2) {
      if (first === "string") i++;
      continue;
    }
    if (first === "string") continue;
    const letters = [...token.slice(1)];
    if (letters.every((letter) => shortType.get(letter) === "boolean")) continue;
    return writtenFlag(token);
  }
  return undefined;
}

function unknownFlagMessage(flag: string, command: Command): string {
  const spellings = [
    ...Object.entries(command.options).flatMap((
      [name, spec],
    ) => [`--${name}`, ...(spec.short ? [`-${spec.short}`] : [])]),
    ...GLOBAL_FLAG_SPELLINGS,
  ];
  return `clockwork ${command.name}: unknown flag "${flag}".${
    flagSuggestion(flag, spellings) || ` Run "clockwork ${command.name} --help" for its flags.`
  }`;
}

function describeParseError(error: unknown, command: Command): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-[^' ,<]*)/.exec(message)?.[1] ?? "";
  const who = `clockwork ${command.name}`;
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return unknownFlagMessage(flag, command);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      // The long name is the last flag in "Option '-C, --chdir <value>' …".
      const long = /(--[\w-]+)/.exec(message)?.[1] ?? flag;
      if (message.includes("does not take an argument")) {
        return `${who}: flag "${long}" does not take a value`;
      }
      if (message.includes("ambiguous")) {
        return `${who}: flag "${long}" needs a value (write ${long}=-VALUE for one starting with "-")`;
      }
      return `${who}: flag "${long}" needs a value`;
    }
    default:
      return `${who}: ${message.split("\n")[0]}`;
  }
}
