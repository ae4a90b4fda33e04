import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { observe } from "../src/exec/mod.ts";

Deno.test("observe: file and directory, present and absent, relative paths", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cw-observe-" });
  Deno.writeTextFileSync(join(dir, "a.txt"), "hello");
  Deno.chmodSync(join(dir, "a.txt"), 0o640);
  Deno.mkdirSync(join(dir, "sub"));
  Deno.chmodSync(join(dir, "sub"), 0o750);
  const result = await observe([
    { address: "file.a", type: "file", attributes: { path: join(dir, "a.txt") } },
    { address: "file.rel", type: "file", attributes: { path: "a.txt" } },
    { address: "file.gone", type: "file", attributes: { path: join(dir, "nope") } },
    { address: "directory.sub", type: "directory", attributes: { path: join(dir, "sub") } },
    { address: "directory.gone", type: "directory", attributes: { path: join(dir, "a.txt") } },
    { address: "command.x", type: "command", attributes: { run: "true" } },
  ], { baseDir: dir });
  const sha = createHash("sha256").update("hello").digest("hex");
  assert.deepEqual(result, [
    { address: "file.a", exists: true, attributes: { sha256: sha, mode: "0640", size: 5 } },
    { address: "file.rel", exists: true, attributes: { sha256: sha, mode: "0640", size: 5 } },
    { address: "file.gone", exists: false, attributes: {} },
    { address: "directory.sub", exists: true, attributes: { mode: "0750" } },
    { address: "directory.gone", exists: false, attributes: {} },
    { address: "command.x", exists: true, attributes: {} },
  ]);
});
