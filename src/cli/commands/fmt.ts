import { join, relative, resolve } from "node:path";
import { decodeSource, error, format, hasErrors } from "../../hcl/mod.ts";
import { jsonOut } from "../views/json.ts";
import type { Command, CommandContext } from "./_types.ts";

/** Relative to where the user is when that is shorter and stays inside it, else as given. */
function shownPath(cwd: string, target: string): string {
  const rel = relative(cwd, target) || ".";
  return rel.startsWith("..") ? target : rel;
}

function filesToFormat(ctx: CommandContext, target: string): string[] | undefined {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(target);
  } catch {
    ctx.reportDiagnostics([
      error("CW9103", `No such file or directory: ${shownPath(ctx.cwd, target)}`),
    ]);
    return undefined;
  }
  if (info.isFile) return [target];
  return [...Deno.readDirSync(target)]
    .filter((e) => e.isFile && (e.name.endsWith(".cw") || e.name.endsWith(".cwvars")))
    .map((e) => join(target, e.name))
    .sort();
}

export const fmtCommand: Command = {
  name: "fmt",
  summary: "rewrite .cw files in canonical style",
  usage: "clockwork fmt [--check] [DIR|FILE]",
  description:
    "Rewrites the .cw and .cwvars files of DIR (or one FILE) in canonical style and lists the\nfiles it changed. With --check nothing is written: the files that would change are listed\nand the exit code is 1 when there are any.",
  options: {
    check: { type: "boolean", description: "only report files that are not formatted (exit 1)" },
  },
  positionals: { min: 0, max: 1, names: "[DIR|FILE]" },
  async run(ctx) {
    const target = resolve(ctx.cwd, ctx.positionals[0] ?? ".");
    const files = filesToFormat(ctx, target);
    if (!files) return done(ctx, [], false);
    const check = ctx.values.check === true;
    const changed: string[] = [];
    let broken = false;
    for (const file of files) {
      // Refused before formatting: rewriting text decoded with replacement characters loses data.
      const decoded = decodeSource(await Deno.readFile(file), file);
      const text = decoded.file.text;
      const result = decoded.diagnostics.length > 0
        ? { text, diagnostics: decoded.diagnostics }
        : format(text, file);
      if (hasErrors(result.diagnostics)) {
        ctx.registerSource(decoded.file);
        ctx.reportDiagnostics(result.diagnostics);
        broken = true;
        continue;
      }
      if (result.text === text) continue;
      changed.push(file);
      if (!check) await Deno.writeTextFile(file, result.text);
      if (!ctx.globals.json) ctx.io.stdout(`${relative(ctx.cwd, file)}\n`);
    }
    return done(ctx, changed, check ? changed.length === 0 && !broken : !broken);
  },
};

function done(ctx: CommandContext, changed: string[], ok: boolean): Promise<number> {
  if (ctx.globals.json) {
    jsonOut(ctx.io, {
      changed: changed.map((f) => relative(ctx.cwd, f)),
      diagnostics: ctx.takeJsonDiagnostics(),
    });
  }
  return Promise.resolve(ok ? 0 : 1);
}
