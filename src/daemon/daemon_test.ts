import assert from "node:assert/strict";
import { join } from "node:path";
import type { Change, Plan } from "../plan/mod.ts";
import {
  classify,
  configFingerprint,
  decide,
  parseDuration,
  RepairBudget,
  subsetPlan,
  Waker,
} from "./mod.ts";

Deno.test("parseDuration: units, combinations, and refusals", () => {
  assert.equal(parseDuration("30s"), 30_000);
  assert.equal(parseDuration("5m"), 300_000);
  assert.equal(parseDuration("1h"), 3_600_000);
  assert.equal(parseDuration("1m30s"), 90_000);
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("1.5s"), 1500);
  for (const bad of ["", "30", "s", "0s", "-1s", "5 m", "1d", "soon"]) {
    assert.equal(parseDuration(bad), null, bad);
  }
});

function change(address: string, fields: Partial<Change>): Change {
  return {
    address,
    type: address.split(".")[0],
    action: "no-op",
    reasons: [],
    before: null,
    after: null,
    attributeChanges: [],
    resource: null,
    prior: null,
    aiFilled: [],
    ...fields,
  };
}

const prior = (address: string) => ({
  address,
  type: address.split(".")[0],
  module: [],
  attributes: {},
  sensitiveAttributes: [],
  digest: "",
  dependencies: [],
  observed: null,
  host: null,
  preventDestroy: false,
});

Deno.test("classify: observation-only changes of recorded resources are drift", () => {
  const p = prior("file.a");
  assert.equal(classify(change("file.a", { action: "no-op", prior: p })), null);
  assert.equal(
    classify(change("file.a", { action: "update", prior: p, reasons: ["file no longer exists"] })),
    "drift",
  );
  assert.equal(
    classify(change("container.c", { action: "create", prior: prior("container.c") })),
    "drift",
  );
  assert.equal(classify(change("file.a", { action: "create" })), "config");
  assert.equal(
    classify(change("file.a", {
      action: "update",
      prior: p,
      attributeChanges: [{
        name: "content",
        before: "a",
        after: "b",
        sensitive: false,
        forcesReplacement: false,
      }],
    })),
    "config",
  );
  assert.equal(classify(change("file.a", { action: "replace", prior: p })), "config");
  assert.equal(classify(change("file.a", { action: "delete", prior: p })), "delete");
});

Deno.test("decide: policy, unrepairable types, deletes and the budget", () => {
  const budget = new RepairBudget(1, 60_000);
  const found = [
    { change: change("file.a", { action: "update" }), kind: "drift" as const },
    { change: change("task.t", { action: "update" }), kind: "drift" as const },
    { change: change("file.n", { action: "create" }), kind: "config" as const },
    { change: change("file.old", { action: "delete" }), kind: "delete" as const },
  ];
  const brief = (policy: "drift" | "all" | "none") =>
    decide(found, policy, budget, 1000).map((d) => d.apply ? "apply" : d.reason);
  assert.deepEqual(brief("drift"), ["apply", "unrepairable", "policy", "delete"]);
  assert.deepEqual(brief("all"), ["apply", "unrepairable", "apply", "delete"]);
  assert.deepEqual(brief("none"), ["policy", "unrepairable", "policy", "delete"]);
  budget.record(["file.a"], 1000);
  assert.deepEqual(brief("drift"), ["flapping", "unrepairable", "policy", "delete"]);
});

Deno.test("RepairBudget: a sliding window, persisted between processes", () => {
  const path = join(Deno.makeTempDirSync(), "sub", "history.json");
  const budget = new RepairBudget(2, 1000, path);
  budget.record(["file.a"], 100);
  budget.record(["file.a"], 500);
  assert.equal(budget.allows("file.a", 600), false);
  assert.equal(budget.allows("file.b", 600), true);
  // The first repair leaves the window at 1100.
  assert.equal(budget.allows("file.a", 1101), true);
  const reloaded = new RepairBudget(2, 1000, path);
  assert.equal(reloaded.count("file.a", 600), 2);
  assert.equal(reloaded.count("file.a", 1101), 1);
  Deno.writeTextFileSync(path, "not json");
  assert.equal(new RepairBudget(2, 1000, path).count("file.a", 600), 0);
});

Deno.test("subsetPlan: only the chosen changes and steps, ordering among them kept, targeted, recorded outputs", () => {
  const plan: Plan = {
    format_version: "1",
    configDigest: "d",
    stateLineage: "l",
    stateSerial: 4,
    changes: [
      change("directory.d", { action: "update" }),
      change("file.a", { action: "update" }),
      change("file.b", { action: "create" }),
    ],
    steps: [
      { id: "directory.d:update", address: "directory.d", action: "update", dependsOn: [] },
      {
        id: "file.a:update",
        address: "file.a",
        action: "update",
        dependsOn: ["directory.d:update"],
      },
      { id: "file.b:create", address: "file.b", action: "create", dependsOn: ["file.a:update"] },
    ],
    summary: { create: 1, update: 2, replace: 0, delete: 0, no_op: 0 },
    outputs: { o: { value: "new", sensitive: false } },
    targets: [],
    destroy: false,
  };
  const sub = subsetPlan(
    plan,
    new Set(["directory.d", "file.a"]),
    {
      outputs: { o: { value: "old", sensitive: false } },
    } as unknown as Parameters<typeof subsetPlan>[2],
  );
  assert.deepEqual(sub.changes.map((c) => c.address), ["directory.d", "file.a"]);
  assert.deepEqual(sub.steps.map((s) => [s.id, s.dependsOn]), [
    ["directory.d:update", []],
    ["file.a:update", ["directory.d:update"]],
  ]);
  assert.deepEqual(sub.summary, { create: 0, update: 2, replace: 0, delete: 0, no_op: 0 });
  assert.deepEqual(sub.targets, ["directory.d", "file.a"]);
  assert.deepEqual(sub.outputs, { o: { value: "old", sensitive: false } });
  const alone = subsetPlan(plan, new Set(["file.b"]), null);
  assert.deepEqual(alone.steps[0].dependsOn, []);
  assert.deepEqual(alone.outputs, {});
});

Deno.test("configFingerprint: changes with edits and new configuration files only", () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(join(dir, "main.cw"), "a");
  Deno.writeTextFileSync(join(dir, "notes.txt"), "x");
  const before = configFingerprint(dir, ["main.cw"]);
  Deno.writeTextFileSync(join(dir, "notes.txt"), "xyz");
  assert.equal(configFingerprint(dir, ["main.cw"]), before);
  Deno.writeTextFileSync(join(dir, "prod.cwvars"), "");
  const withVars = configFingerprint(dir, ["main.cw"]);
  assert.notEqual(withVars, before);
  Deno.writeTextFileSync(join(dir, "main.cw"), "ab");
  assert.notEqual(configFingerprint(dir, ["main.cw"]), withVars);
});

Deno.test("Waker: timer, debounced changes, and stop", async () => {
  const waker = new Waker();
  assert.equal(await waker.wait(10, 10), "timer");

  const started = performance.now();
  setTimeout(() => waker.poke(true), 5);
  setTimeout(() => waker.poke(false), 20);
  assert.equal(await waker.wait(5_000, 40), "change");
  const took = performance.now() - started;
  assert.ok(took >= 55 && took < 2_000, `took ${took} ms`);
  assert.equal(waker.takeConfigChanged(), true);
  assert.equal(waker.takeConfigChanged(), false);

  const controller = new AbortController();
  setTimeout(() => controller.abort(), 10);
  assert.equal(await waker.wait(5_000, 10, controller.signal), "stop");
  assert.equal(await waker.wait(5_000, 10, controller.signal), "stop");
});
