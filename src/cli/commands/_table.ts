/**
 * The command table: every command of CLI.md, in the order `--help` lists
 * them. Entries load lazily, so `clockwork version` never imports the planner.
 *
 * Swapping a stub for a real command is a one-line change, e.g.
 *   plan: () => import("./plan.ts").then((m) => m.planCommand),
 */
import type { Command } from "./_types.ts";
import { stubs } from "./_stubs.ts";

export type LoadCommand = () => Promise<Command>;

function stub(name: string): LoadCommand {
  const command = stubs.get(name);
  if (!command) throw new Error(`no stub for "${name}"`);
  return () => Promise.resolve(command);
}

export const commandTable: Readonly<Record<string, LoadCommand>> = {
  init: stub("init"),
  validate: stub("validate"),
  fmt: stub("fmt"),
  plan: stub("plan"),
  compile: stub("compile"),
  apply: stub("apply"),
  assert: stub("assert"),
  destroy: stub("destroy"),
  "state list": stub("state list"),
  "state show": stub("state show"),
  "state rm": stub("state rm"),
  "state pull": stub("state pull"),
  "force-unlock": stub("force-unlock"),
  output: stub("output"),
  graph: stub("graph"),
  daemon: stub("daemon"),
  "plugin add": () => import("./plugin.ts").then((m) => m.pluginAddCommand),
  "plugin list": () => import("./plugin.ts").then((m) => m.pluginListCommand),
  "plugin remove": () => import("./plugin.ts").then((m) => m.pluginRemoveCommand),
  "plugin verify": () => import("./plugin.ts").then((m) => m.pluginVerifyCommand),
  "ai status": stub("ai status"),
  "ai refresh": stub("ai refresh"),
  completion: () => import("./completion.ts").then((m) => m.completionCommand),
  version: () => import("./version.ts").then((m) => m.versionCommand),
  help: () => import("./help.ts").then((m) => m.helpCommand),
};

/** Full command names, in table order. */
export const commandNames: readonly string[] = Object.keys(commandTable);

/** First words that take a subcommand: state, plugin, ai. */
export const groupNames: ReadonlySet<string> = new Set(
  commandNames.filter((n) => n.includes(" ")).map((n) => n.split(" ")[0]),
);

/** What may follow `clockwork` as the first word. */
export const topLevelWords: readonly string[] = [
  ...new Set(commandNames.map((n) => n.split(" ")[0])),
];

export function subcommandsOf(group: string): string[] {
  return commandNames.filter((n) => n.startsWith(group + " ")).map((n) =>
    n.slice(group.length + 1)
  );
}

export function loadCommand(name: string): Promise<Command> | undefined {
  return commandTable[name]?.();
}

/**
 * Every command, for help and completion. A command module that fails to load
 * falls back to its stub (if any) so help never breaks because of one command.
 */
export async function loadAllCommands(): Promise<Command[]> {
  return await Promise.all(
    commandNames.map((name) =>
      commandTable[name]().catch((error) => {
        const fallback = stubs.get(name);
        if (fallback) return fallback;
        throw error;
      })
    ),
  );
}
