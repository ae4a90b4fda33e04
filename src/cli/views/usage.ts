/**
 * Usage errors (an unknown flag, flags that contradict each other): one line
 * on stderr and exit 1, like the dispatcher's own; with `--json` the same
 * words also go to stdout as a CW9001 `diagnostic` line, so a script that
 * reads stdout only learns why.
 */
import type { Io } from "../commands/_types.ts";
import { FORMAT_VERSION } from "./json.ts";

/** Prints `message` (which starts with `clockwork COMMAND: `) and returns exit code 1. */
export function usageError(io: Io, json: boolean, message: string): 1 {
  io.stderr(`${message}\n`);
  if (json) {
    io.stdout(
      JSON.stringify({
        format_version: FORMAT_VERSION,
        type: "diagnostic",
        severity: "error",
        code: "CW9001",
        summary: message.replace(/^clockwork(?: [a-z-]+)*: /, ""),
      }) + "\n",
    );
  }
  return 1;
}
