/**
 * Writes a bundle to the build directory: `scripts/*` and `manifest.json`.
 * With `data: false` (apply) data artifacts stay in the manifest only: the
 * executor writes file content from memory, and 1,000 files should not cost
 * 1,000 extra files in the build directory.
 */
import { dirname, join } from "node:path";
import type { Bundle } from "./types.ts";
import { buildDirProblems } from "./_validate.ts";
import { artifactBytes } from "./_template_support.ts";

export function writeBundle(
  bundle: Bundle,
  buildDir: string,
  options: { readonly data?: boolean } = {},
): void {
  // validateBundle reports this as a diagnostic first; never write through a link regardless.
  const linked = buildDirProblems(buildDir);
  if (linked.length > 0) throw new Error(linked[0].summary);
  Deno.mkdirSync(buildDir, { recursive: true, mode: 0o700 });
  const scripts = join(buildDir, "scripts");
  // Stale artifacts from an earlier compile must not linger (or be run).
  try {
    Deno.removeSync(scripts, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  Deno.mkdirSync(scripts, { mode: 0o700 });
  const made = new Set<string>([scripts]);
  for (const a of bundle.artifacts) {
    if (a.lang === "data" && options.data === false) continue;
    const full = join(buildDir, a.path);
    const dir = dirname(full);
    if (!made.has(dir)) {
      Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
      made.add(dir);
    }
    // createNew: never follow a symlink planted at an artifact's path.
    Deno.writeFileSync(full, artifactBytes(a), {
      createNew: true,
      mode: parseInt(a.mode, 8),
    });
  }
  Deno.writeTextFileSync(join(buildDir, "manifest.json"), JSON.stringify(bundle, null, 2) + "\n", {
    mode: 0o600,
  });
  Deno.chmodSync(join(buildDir, "manifest.json"), 0o600);
}
