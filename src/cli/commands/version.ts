import { VERSION } from "../../version.ts";
import { jsonOut } from "../views/json.ts";
import type { Command } from "./_types.ts";

/** Whether this process is a `deno compile` binary. */
export function isCompiled(): boolean {
  const standalone = (Deno.build as { standalone?: boolean }).standalone;
  if (typeof standalone === "boolean") return standalone;
  // Runtimes without the flag: compiled code runs from an embedded deno-compile-
  // folder, and the executable is the program itself rather than `deno`.
  const exe = Deno.execPath().split(/[\\/]/).pop() ?? "";
  return import.meta.url.includes("/deno-compile-") || !/^deno(\.exe)?$/.test(exe);
}

export const versionCommand: Command = {
  name: "version",
  summary: "print version, runtime and build target",
  usage: "clockwork version",
  options: {},
  run(ctx) {
    const info = {
      version: VERSION,
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      typescript: Deno.version.typescript,
      target: Deno.build.target,
      compiled: isCompiled(),
    };
    if (ctx.globals.json) {
      jsonOut(ctx.io, info);
    } else {
      ctx.io.stdout(
        [
          `clockwork ${info.version}`,
          `deno ${info.deno} (v8 ${info.v8}, typescript ${info.typescript})`,
          `target ${info.target}${info.compiled ? " (compiled binary)" : " (running from source)"}`,
        ].join("\n") + "\n",
      );
    }
    return Promise.resolve(0);
  },
};
