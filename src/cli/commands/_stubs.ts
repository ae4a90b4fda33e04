/**
 * Every command of CLI.md that is not built yet, with its real usage, options
 * and summary, so `--help`, completion and flag checking already work. Running
 * one prints `clockwork NAME: not implemented yet` and exits 1.
 *
 * When a real command lands, its file exports the same metadata (copy it from
 * here) and `_table.ts` points at that file instead of `stub("name")`.
 */
import type { Command, OptionSpec } from "./_types.ts";
import { targetOption as target } from "./_targets.ts";

type Meta = Omit<Command, "run">;

const autoApprove: OptionSpec = {
  type: "boolean",
  description: "do not ask for confirmation",
};
const dir = (names = "[DIR]") => ({ min: 0, max: 1, names });

const metas: readonly Meta[] = [
  {
    name: "init",
    summary: "scaffold a starter main.cw in an empty directory",
    usage: "clockwork init [DIR]",
    options: {},
    positionals: dir(),
  },
  {
    name: "validate",
    summary: "parse and check the configuration; print diagnostics",
    usage: "clockwork validate [DIR]",
    options: {},
    positionals: dir(),
  },
  {
    name: "fmt",
    summary: "rewrite .cw files in canonical style",
    usage: "clockwork fmt [--check] [DIR|FILE]",
    options: {
      check: { type: "boolean", description: "only report files that are not formatted (exit 1)" },
    },
    positionals: dir("[DIR|FILE]"),
  },
  {
    name: "plan",
    summary: "show what apply would do, resource by resource, with reasons",
    usage:
      "clockwork plan [DIR] [--out FILE] [--detailed-exitcode] [--target ADDR]... [--refresh=false]",
    description:
      "Compares the desired state with recorded and observed state. With --detailed-exitcode\nthe exit code is 0 for no changes and 2 when there are changes.",
    options: {
      out: { type: "string", valueName: "FILE", description: "write the plan to FILE for apply" },
      "detailed-exitcode": {
        type: "boolean",
        description: "exit 2 when the plan has changes, 0 when it has none",
      },
      target,
      refresh: {
        type: "string",
        valueName: "BOOL",
        description: "--refresh=false skips observing live state (default true)",
      },
    },
    positionals: dir(),
  },
  {
    name: "compile",
    summary: "write the artifact bundle for the current plan to .clockwork/build/",
    usage: "clockwork compile [DIR]",
    options: {},
    positionals: dir(),
  },
  {
    name: "apply",
    summary: "plan, compile, execute, record state and run assertions",
    usage: "clockwork apply [DIR|PLANFILE] [--auto-approve] [--parallelism N] [--target ADDR]...",
    options: {
      "auto-approve": autoApprove,
      parallelism: {
        type: "string",
        valueName: "N",
        description: "run at most N steps at once (default 4)",
      },
      target,
    },
    positionals: dir("[DIR|PLANFILE]"),
    output: "stream",
  },
  {
    name: "assert",
    summary: "run every assertion against what is live now",
    usage: "clockwork assert [DIR] [--target ADDR]...",
    options: { target },
    positionals: dir(),
  },
  {
    name: "destroy",
    summary: "tear down what state records, dependents first",
    usage: "clockwork destroy [DIR] [--auto-approve] [--target ADDR]...",
    options: { "auto-approve": autoApprove, target },
    positionals: dir(),
    output: "stream",
  },
  {
    name: "state list",
    summary: "list the resources recorded in state",
    usage: "clockwork state list",
    options: {},
  },
  {
    name: "state show",
    summary: "show one resource recorded in state",
    usage: "clockwork state show ADDR",
    options: {},
    positionals: { min: 1, max: 1, names: "ADDR" },
  },
  {
    name: "state rm",
    summary: "forget a resource without destroying it",
    usage: "clockwork state rm ADDR",
    options: {},
    positionals: { min: 1, max: 1, names: "ADDR" },
  },
  {
    name: "state pull",
    summary: "print the raw state document",
    usage: "clockwork state pull",
    options: {},
  },
  {
    name: "force-unlock",
    summary: "remove a state lock left by a dead process",
    usage: "clockwork force-unlock",
    options: {},
  },
  {
    name: "output",
    summary: "print outputs from state",
    usage: "clockwork output [NAME] [--json|--raw]",
    options: {
      raw: { type: "boolean", description: "print a single string output without quotes" },
    },
    positionals: { min: 0, max: 1, names: "[NAME]" },
  },
  {
    name: "graph",
    summary: "print the dependency graph",
    usage: "clockwork graph [DIR] [--format dot|json]",
    options: {
      format: { type: "string", valueName: "FORMAT", description: "dot (default) or json" },
    },
    positionals: dir(),
  },
  {
    name: "daemon",
    summary: "watch files and live state; repair drift within the auto-fix policy",
    usage: "clockwork daemon [DIR] [--interval DURATION] [--once]",
    options: {
      interval: {
        type: "string",
        valueName: "DURATION",
        description: "time between drift checks, e.g. 30s or 5m",
      },
      once: { type: "boolean", description: "check once, repair, and exit" },
    },
    positionals: dir(),
    output: "stream",
  },
  {
    name: "plugin add",
    summary: "install a plugin from a file, directory or URL",
    usage: "clockwork plugin add SOURCE [--sha256 HEX] [--yes]",
    options: {
      sha256: { type: "string", valueName: "HEX", description: "expected sha256 of the plugin" },
      yes: { type: "boolean", description: "grant the requested permissions without asking" },
    },
    positionals: { min: 1, max: 1, names: "SOURCE" },
  },
  {
    name: "plugin list",
    summary: "list installed plugins",
    usage: "clockwork plugin list",
    options: {},
  },
  {
    name: "plugin remove",
    summary: "uninstall a plugin",
    usage: "clockwork plugin remove NAME",
    options: {},
    positionals: { min: 1, max: 1, names: "NAME" },
  },
  {
    name: "plugin verify",
    summary: "check installed plugins against clockwork.lock",
    usage: "clockwork plugin verify",
    options: {},
  },
  {
    name: "ai status",
    summary: "show the AI provider and model, and whether it answers",
    usage: "clockwork ai status",
    options: {},
  },
  {
    name: "ai refresh",
    summary: "ask the model again for pinned AI answers",
    usage: "clockwork ai refresh [ADDR]",
    options: {},
    positionals: { min: 0, max: 1, names: "[ADDR]" },
  },
];

const stubCommands = new WeakSet<Command>();

function makeStub(meta: Meta): Command {
  const command: Command = {
    ...meta,
    run(ctx) {
      ctx.io.stderr(`clockwork ${meta.name}: not implemented yet\n`);
      return Promise.resolve(1);
    },
  };
  stubCommands.add(command);
  return command;
}

export const stubs: ReadonlyMap<string, Command> = new Map(metas.map((m) => [m.name, makeStub(m)]));

/** True for a placeholder (README's status column says "not implemented yet"). */
export function isStub(command: Command): boolean {
  return stubCommands.has(command);
}
