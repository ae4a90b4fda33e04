/** `clockwork force-unlock`: removes a state lock left by a process that died. */
import { jsonOut } from "../views/mod.ts";
import type { Command } from "./_types.ts";
import { withBackend } from "./state.ts";

export const forceUnlockCommand: Command = {
  name: "force-unlock",
  summary: "remove a state lock left by a dead process",
  usage: "clockwork force-unlock",
  options: {},
  run(ctx) {
    return withBackend(ctx, async (store) => {
      const result = await store.forceUnlock();
      ctx.reportDiagnostics(result.diagnostics);
      if (result.diagnostics.some((d) => d.severity === "error")) return 1;
      const holder = result.removed;
      if (ctx.globals.json) {
        jsonOut(ctx.io, {
          removed: holder !== null,
          holder,
          diagnostics: ctx.takeJsonDiagnostics(),
        });
      } else if (holder) {
        ctx.io.stdout(
          `Removed the state lock held by pid ${holder.pid} on ${holder.host} (\`${holder.command}\`, started ${holder.started})\n`,
        );
      }
      return 0;
    });
  },
};
