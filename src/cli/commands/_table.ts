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

export const commandTable: Readonly<Record<string, LoadCommand>> = {
  init: () => import("./init.ts").then((m) => m.initCommand),
  validate: () => import("./validate.ts").then((m) => m.validateCommand),
  fmt: () => import("./fmt.ts").then((m) => m.fmtCommand),
  plan: () => import("./plan.ts").then((m) => m.planCommand),
  compile: () => import("./compile.ts").then((m) => m.compileCommand),
  apply: () => import("./apply.ts").then((m) => m.applyCommand),
  assert: () => import("./assert.ts").then((m) => m.assertCommand),
  destroy: () => import("./destroy.ts").then((m) => m.destroyCommand),
  "state list": () => import("./state.ts").then((m) => m.stateListCommand),
  "state show": () => import("./state.ts").then((m) => m.stateShowCommand),
  "state rm": () => import("./state.ts").then((m) => m.stateRmCommand),
  "state pull": () => import("./state.ts").then((m) => m.statePullCommand),
  "force-unlock": () => import("./force_unlock.ts").then((m) => m.forceUnlockCommand),
  output: () => import("./output.ts").then((m) => m.outputCommand),
  graph: () => import("./graph.ts").then((m) => m.graphCommand),
  daemon: () => import("./daemon.ts").then((m) => m.daemonCommand),
  "plugin add": () => import("./plugin.ts").then((m) => m.pluginAddCommand),
  "plugin list": () => import("./plugin.ts").then((m) => m.pluginListCommand),
  "plugin remove": () => import("./plugin.ts").then((m) => m.pluginRemoveCommand),
  "plugin verify": () => import("./plugin.ts").then((m) => m.pluginVerifyCommand),
  "ai status": () => import("./ai.ts").then((m) => m.aiStatusCommand),
  "ai refresh": () => import("./ai.ts").then((m) => m.aiRefreshCommand),
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
