/** `clockwork compile [DIR]`: writes the artifact bundle for the current plan and stops. */
import { relative, resolve } from "node:path";
import {
  buildDirOf,
  compileBundle,
  validateBundle,
  verifyWrittenBundle,
  writeBundle,
} from "../../forge/mod.ts";
import { jsonOut } from "../views/mod.ts";
import { planOrReport, withLockedConfiguration } from "./_configured_run.ts";
import type { Command } from "./_types.ts";

export const compileCommand: Command = {
  name: "compile",
  summary: "write the artifact bundle for the current plan to .clockwork/build/",
  usage: "clockwork compile [DIR]",
  description: "Plans, compiles every step into artifacts (scripts/ and manifest.json under\n" +
    ".clockwork/build/), validates and security-scans the bundle, and runs nothing.",
  options: {},
  positionals: { min: 0, max: 1, names: "[DIR]" },
  async run(ctx) {
    const dir = resolve(ctx.cwd, ctx.positionals[0] ?? ".");
    // The lock keeps a running apply's build directory from being rewritten under it.
    return await withLockedConfiguration(
      ctx,
      dir,
      "compile",
      async (config) => {
        const planned = await planOrReport(ctx, config, {});
        if (!planned) return 1;
        const buildDir = buildDirOf(dir);
        const compiled = compileBundle(planned.plan, { rootDir: dir, buildDir });
        const problems = [
          ...compiled.diagnostics,
          ...validateBundle(compiled.value, planned.plan, buildDir),
        ];
        ctx.reportDiagnostics(problems);
        if (problems.some((d) => d.severity === "error")) return 1;
        writeBundle(compiled.value, buildDir);
        const written = verifyWrittenBundle(compiled.value, buildDir);
        ctx.reportDiagnostics(written);
        if (written.length) return 1;
        const shown = relative(ctx.cwd, buildDir) || ".";
        if (ctx.globals.json) {
          jsonOut(ctx.io, {
            build_dir: buildDir,
            manifest: `${buildDir}/manifest.json`,
            steps: compiled.value.steps.map((s) => ({
              id: s.id,
              address: s.address,
              action: s.action,
              argv: s.argv,
              in_process: s.inProcess !== null,
              writes: s.writes,
              network: s.network,
            })),
            artifacts: compiled.value.artifacts.map((a) => ({
              path: a.path,
              mode: a.mode,
              purpose: a.purpose,
              lang: a.lang,
              origin: a.origin,
              sha256: a.sha256,
            })),
            diagnostics: ctx.takeJsonDiagnostics(),
          });
        } else {
          ctx.io.stdout(
            `Compiled ${compiled.value.steps.length} step(s) into ${compiled.value.artifacts.length} artifact(s): ${shown}/manifest.json\n`,
          );
        }
        return 0;
      },
    );
  },
};
