/** Resource arguments that guard execution: image references and sandbox grants. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadConfig } from "./mod.ts";

async function load(text: string) {
  const dir = await Deno.makeTempDir({ prefix: "cw-config-schemas-" });
  Deno.writeTextFileSync(join(dir, "main.cw"), text);
  const result = loadConfig({ dir });
  return { dir, result, errors: result.diagnostics.filter((d) => d.severity === "error") };
}

Deno.test("container.image must be an image reference, never an option", async () => {
  for (const image of ["--privileged", "-x", "nginx latest", "nginx;id", "UPPER/case"]) {
    const { errors } = await load(
      `resource "container" "c" {\n  image = ${JSON.stringify(image)}\n}\n`,
    );
    assert.deepEqual(errors.map((d) => d.code), ["CW2006"], image);
  }
  for (
    const image of [
      "nginx",
      "nginx:1.27-alpine",
      "localhost:5000/a/b:tag",
      "docker.io/library/redis:7",
    ]
  ) {
    const { errors } = await load(
      `resource "container" "c" {\n  image = ${JSON.stringify(image)}\n}\n`,
    );
    assert.deepEqual(errors, [], image);
  }
});

Deno.test("command and task take writes (resolved against path.module), network and env", async () => {
  const { dir, result, errors } = await load(`
resource "command" "c" {
  run     = "true"
  writes  = ["out", "/abs/path"]
  network = true
}
resource "task" "t" {
  script  = "true"
  writes  = ["t-out"]
  network = false
  env     = { GREETING = "hi" }
}
`);
  assert.deepEqual(errors, []);
  const byAddress = new Map(result.config!.resources.map((r) => [r.address, r.attributes]));
  assert.deepEqual(byAddress.get("command.c")!.writes, [join(dir, "out"), "/abs/path"]);
  assert.equal(byAddress.get("command.c")!.network, true);
  assert.deepEqual(byAddress.get("task.t")!.writes, [join(dir, "t-out")]);
  assert.deepEqual({ ...byAddress.get("task.t")!.env as object }, { GREETING: "hi" });
});
