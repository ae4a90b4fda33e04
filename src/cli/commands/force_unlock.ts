/** `clockwork force-unlock [--force LOCK_ID]`: removes a state lock left by a process that died. */
import { jsonOut } from "../views/mod.ts";
import type { Command } from "./_types.ts";
import { withBackend } from "./state.ts";

export const forceUnlockCommand: Command = {
  name: "force-unlock",
  summary: "remove a state lock left by a dead process",
  usage: "clockwork force-unlock [--force LOCK_ID]",
  description:
    "Removes the state lock when the run that took it is certainly gone: its process no longer\n" +
    "exists, its pid now belongs to a process that started after the lock was taken, or the lock\n" +
    "file is unreadable. It refuses a lock whose holder may still be running: a process on this\n" +
    "host that looks alive, a run on another host (whose processes cannot be seen from here), or\n" +
    "any held lock of the postgres backend (which frees a lock by itself when its holder\n" +
    "disconnects). When you know that run is not going on, `--force LOCK_ID` (the id the refusal\n" +
    "shows) removes exactly that lock; for postgres it ends the holder's session.",
  options: {
    force: {
      type: "string",
      valueName: "LOCK_ID",
      description: "remove the lock with this id even if its process looks alive",
    },
  },
  run(ctx) {
    const forced = ctx.values.force;
    return withBackend(ctx, async (store) => {
      const result = await store.forceUnlock(
        typeof forced === "string" ? { lockId: forced } : {},
      );
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
          holder.pid > 0 && holder.host !== ""
            ? `Removed the state lock held by pid ${holder.pid} on ${holder.host} (\`${holder.command}\`, started ${holder.started})\n`
            : `Removed the unreadable state lock ${store.lockLocation}\n`,
        );
      }
      return 0;
    });
  },
};
