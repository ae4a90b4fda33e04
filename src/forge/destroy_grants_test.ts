/** A destroy step may remove what its resource's `creates` names, and only what it declares. */
import assert from "node:assert/strict";
import { compileBundle } from "./mod.ts";
import { testPlan, testResource } from "./testing.ts";

for (const type of ["command", "task"]) {
  Deno.test(`forge: a ${type}'s destroy is granted the directory of its creates, never skipped by it`, () => {
    const body = type === "command" ? "run" : "script";
    const resource = testResource(type, "x", {
      [body]: "touch /srv/site/marker",
      creates: "/srv/site/marker",
      destroy: "rm /srv/site/marker",
      writes: ["/srv/logs/x.log"],
    });
    const create = compileBundle(testPlan([resource]), { rootDir: "/srv/app" }).value.steps[0];
    assert.ok(create.writes.includes("/srv/site/marker"));
    assert.equal(create.env.CW_CREATES, "/srv/site/marker");
    const del =
      compileBundle(testPlan([resource], "delete"), { rootDir: "/srv/app" }).value.steps[0];
    assert.deepEqual(del.writes.toSorted(), ["/srv/logs/x.log", "/srv/site"]);
    assert.equal(del.env.CW_CREATES, undefined, "an existing creates path must not skip destroy");
  });
}

Deno.test("forge: a destroy never asks for a top-level directory to remove a file in it", () => {
  const resource = testResource("command", "x", {
    run: "touch /tmp/marker",
    creates: "/tmp/marker",
    destroy: "rm -f /tmp/marker",
  });
  const del = compileBundle(testPlan([resource], "delete"), { rootDir: "/srv/app" }).value.steps[0];
  assert.deepEqual(del.writes, ["/tmp/marker"]);
});
