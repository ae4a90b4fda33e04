/** examples/quickstart through scripts/demo.sh: apply, re-apply, assert, output, destroy. */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

Deno.test("scripts/demo.sh applies, asserts, reads outputs of and destroys the quickstart", async () => {
  const script = fileURLToPath(new URL("../scripts/demo.sh", import.meta.url));
  const result = await new Deno.Command("bash", {
    args: [script],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(result.stdout) + new TextDecoder().decode(result.stderr);
  assert.equal(result.code, 0, out);
  assert.match(out, /Apply complete! Resources: 5 created/);
  assert.match(out, /No changes/);
  assert.match(out, /Destroy complete! Resources: 5 destroyed/);
  assert.match(out, /Demo finished/);
});
