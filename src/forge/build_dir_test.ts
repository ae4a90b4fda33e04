/** A symlinked `.clockwork` or `.clockwork/build` is refused before anything is written. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildDirProblems, writeBundle } from "./mod.ts";
import type { Bundle } from "./types.ts";

const empty: Bundle = { format_version: "1", planDigest: "x", artifacts: [], steps: [], vars: {} };

for (const linked of [".clockwork", ".clockwork/build"]) {
  Deno.test(`forge: a symlinked ${linked} is refused and nothing is written through it`, async () => {
    const root = await Deno.makeTempDir({ prefix: "cw-forge-link-" });
    const outside = await Deno.makeTempDir({ prefix: "cw-forge-outside-" });
    try {
      if (linked === ".clockwork/build") Deno.mkdirSync(join(root, ".clockwork"));
      Deno.symlinkSync(outside, join(root, linked));
      const build = join(root, ".clockwork/build");
      const problems = buildDirProblems(build);
      assert.deepEqual(problems.map((d) => d.code), ["CW4015"]);
      assert.match(problems[0].summary, /symbolic link/);
      assert.throws(() => writeBundle(empty, build), /symbolic link/);
      assert.deepEqual([...Deno.readDirSync(outside)], []);
    } finally {
      await Deno.remove(root, { recursive: true });
      await Deno.remove(outside, { recursive: true });
    }
  });
}

Deno.test("forge: a real or absent build directory has no problems", async () => {
  const root = await Deno.makeTempDir({ prefix: "cw-forge-real-" });
  assert.deepEqual(buildDirProblems(join(root, ".clockwork/build")), []);
  writeBundle(empty, join(root, ".clockwork/build"));
  assert.deepEqual(buildDirProblems(join(root, ".clockwork/build")), []);
  await Deno.remove(root, { recursive: true });
});
