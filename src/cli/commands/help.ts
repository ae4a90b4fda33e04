import { renderCommandHelp, renderGroupHelp, renderTopHelp } from "../help.ts";
import { didYouMean } from "../arguments/suggest.ts";
import { painter } from "../views/paint.ts";
import type { Command } from "./_types.ts";
import { commandNames, groupNames, loadAllCommands, loadCommand, subcommandsOf } from "./_table.ts";

export const helpCommand: Command = {
  name: "help",
  summary: "show help for clockwork or for one command",
  usage: "clockwork help [COMMAND [SUBCOMMAND]]",
  options: {},
  positionals: { min: 0, max: 2, names: "[COMMAND [SUBCOMMAND]]" },
  async run(ctx) {
    const paint = painter(ctx.io);
    const name = ctx.positionals.join(" ");
    if (name === "") {
      ctx.io.stdout(renderTopHelp(await loadAllCommands(), paint));
      return 0;
    }
    if (groupNames.has(name)) {
      const subs = await Promise.all(subcommandsOf(name).map((s) => loadCommand(`${name} ${s}`)!));
      ctx.io.stdout(renderGroupHelp(name, subs, paint));
      return 0;
    }
    const loading = loadCommand(name);
    if (!loading) {
      ctx.io.stderr(
        `clockwork help: unknown command "${name}".${didYouMean(name, commandNames)}\n`,
      );
      return 1;
    }
    ctx.io.stdout(renderCommandHelp(await loading, paint));
    return 0;
  },
};
