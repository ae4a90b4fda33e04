/** `clockwork force-unlock`: removes a state lock left by a process that died. */
import { jsonOut } from "../views/mod.ts";
import type { Command } from "./_types.ts";
import { backendFor } from "./state.ts";

export const forceUnlockCommand: Command = {
  name: "force-unlock",
  summary: "remove a state lock left by a dead process",
  usage: "clockwork force-unlock",
  options: {},
  run(ctx) {
    const backend = backendFor(ctx);
    const result = backend.forceUnlock();
    ctx.reportDiagnostics(result.diagnostics);
    if (result.diagnostics.some((d) => d.severity === "error")) return Promise.resolve(1);
    const holder = result.removed;
    if (ctx.globals.json) {
      jsonOut(ctx.io, { removed: holder !== null, holder, diagnostics: ctx.takeJsonDiagnostics() });
    } else if (holder) {
      ctx.io.stdout(
        `Removed the state lock held by pid ${holder.pid} on ${holder.host} (\`${holder.command}\`, started ${holder.started})\n`,
      );
    }
    return Promise.resolve(0);
  },
};
