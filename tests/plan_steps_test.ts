/**
 * The planner on hand-built inputs: action per type rule, step dependencies
 * (dependents deleted first, replace orderings), deterministic topological
 * order, targets.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { Config, ResourceInstance } from "../src/config/mod.ts";
import { testResource } from "../src/forge/testing.ts";
import { makePlan, matchesTarget, topologicalOrder } from "../src/plan/mod.ts";
import type { State, StateResource } from "../src/state/mod.ts";

function instance(
  address: string,
  attributes: Record<string, unknown>,
  extra: Partial<ResourceInstance> = {},
): ResourceInstance {
  const type = address.replace(/^(module\.[^.]+\.)*/, "").split(".")[0];
  const name = address.split(".").pop()!.replace(/\[.*$/, "");
  return testResource(type, name, attributes, {
    address,
    moduleDir: "/x",
    range: { filename: "/x/main.cw", start: 0, end: 0 },
    ...extra,
  });
}

function recorded(
  address: string,
  attributes: Record<string, unknown>,
  dependencies: string[] = [],
): StateResource {
  return {
    address,
    type: address.split(".")[0],
    module: [],
    attributes,
    sensitiveAttributes: [],
    digest: "",
    dependencies,
    observed: null,
    host: null,
    preventDestroy: false,
  };
}

function config(resources: ResourceInstance[]): Config {
  return {
    format_version: "1",
    rootDir: "/x",
    files: [],
    digest: "d",
    settings: { requiredVersion: null, ai: null, state: null },
    variables: {},
    resources,
    hosts: [],
    outputs: [],
    checks: [],
  };
}

function state(resources: StateResource[]): State {
  return {
    format_version: "1",
    lineage: "l",
    serial: 4,
    configDigest: null,
    resources,
    outputs: {},
  };
}

Deno.test("actions follow the per-type rules", () => {
  const plan = makePlan(
    config([
      instance("file.a", { path: "/a", content: "new" }),
      instance("file.b", { path: "/b2", content: "x" }),
      instance("directory.d", { path: "/d", mode: "0700" }),
      instance("command.c", { run: "echo 2" }),
      instance("task.t", { script: "true", lang: "bash" }),
      instance("container.k", { image: "x:1", env: { A: "2" } }),
      instance("file.same", { path: "/s", content: "s" }),
    ]),
    state([
      recorded("command.c", { run: "echo 1" }),
      recorded("container.k", { image: "x:1", env: { A: "1" } }),
      recorded("directory.d", { path: "/d", mode: "0755" }),
      recorded("file.a", { path: "/a", content: "old" }),
      recorded("file.b", { path: "/b1", content: "x" }),
      recorded("file.same", { path: "/s", content: "s", computed_id: 7 }),
      recorded("task.t", { script: "true", lang: "bash" }),
    ]),
  ).value;
  const actions = Object.fromEntries(plan.changes.map((c) => [c.address, c.action]));
  deepEqual(actions, {
    "command.c": "replace",
    "container.k": "replace",
    "directory.d": "update",
    "file.a": "update",
    "file.b": "replace",
    "file.same": "no-op",
    "task.t": "no-op",
  });
  deepEqual(plan.summary, { create: 0, update: 2, replace: 3, delete: 0, no_op: 2 });
  deepEqual(plan.changes.find((c) => c.address === "file.a")?.reasons, [
    'content changed: "old" → "new"',
  ]);
});

Deno.test("deletes run dependents first; creates after their dependencies", () => {
  const plan = makePlan(
    config([
      instance("directory.base", { path: "/b" }),
      instance("file.in", { path: "/b/f", content: "" }, { dependsOn: ["directory.base"] }),
    ]),
    state([
      recorded("command.uses", { run: "x" }, ["file.old"]),
      recorded("file.old", { path: "/o", content: "" }),
    ]),
  ).value;
  const steps = Object.fromEntries(plan.steps.map((s) => [s.id, s.dependsOn]));
  deepEqual(steps["file.old:delete"], ["command.uses:delete"]);
  deepEqual(steps["file.in:create"], ["directory.base:create"]);
  const order = plan.steps.map((s) => s.id);
  ok(order.indexOf("command.uses:delete") < order.indexOf("file.old:delete"));
});

Deno.test("replace is delete then create, or create then delete with create_before_destroy", () => {
  const cbd = { preventDestroy: false, ignoreChanges: [], createBeforeDestroy: true };
  const plan = makePlan(
    config([
      instance("container.a", { image: "a:2" }),
      instance("container.b", { image: "b:2" }, { lifecycle: cbd }),
      instance("file.user", { path: "/u", content: "" }, { dependsOn: ["container.a"] }),
    ]),
    state([
      recorded("container.a", { image: "a:1" }),
      recorded("container.b", { image: "b:1" }),
      recorded("file.user", { path: "/u", content: "" }, ["container.a"]),
    ]),
  ).value;
  const steps = Object.fromEntries(plan.steps.map((s) => [s.id, s.dependsOn]));
  deepEqual(steps["container.a:create"], ["container.a:delete"]);
  deepEqual(steps["container.b:delete"], ["container.b:create"]);
  equal(steps["file.user:update"], undefined, "file.user itself does not change");
});

Deno.test("destroy plans delete everything recorded, dependents first", () => {
  const plan = makePlan(
    config([instance("file.a", { path: "/a", content: "" })]),
    state([
      recorded("directory.d", { path: "/d" }),
      recorded("file.a", { path: "/d/a", content: "" }, ["directory.d"]),
    ]),
    { destroy: true },
  ).value;
  deepEqual(plan.steps.map((s) => s.id), ["file.a:delete", "directory.d:delete"]);
  deepEqual(plan.outputs, {});
  equal(plan.destroy, true);
});

Deno.test("targeted destroy takes what depends on the target along", () => {
  const plan = makePlan(
    null,
    state([
      recorded("directory.d", { path: "/d" }),
      recorded("file.a", { path: "/d/a", content: "" }, ["directory.d"]),
      recorded("file.other", { path: "/o", content: "" }),
    ]),
    { destroy: true, targets: ["directory.d"] },
  ).value;
  deepEqual(plan.changes.map((c) => c.address), ["directory.d", "file.a"]);
});

Deno.test("prevent_destroy refuses a destroy plan", () => {
  const r = makePlan(null, state([{ ...recorded("file.a", {}), preventDestroy: true }]), {
    destroy: true,
  });
  equal(r.diagnostics[0]?.code, "CW3001");
});

Deno.test("target addresses match instances, resources and modules", () => {
  ok(matchesTarget("file.a[0]", "file.a"));
  ok(matchesTarget('file.a["k"]', 'file.a["k"]'));
  ok(!matchesTarget("file.a[1]", "file.a[0]"));
  ok(matchesTarget("module.m.file.a", "module.m"));
  ok(matchesTarget("module.m.module.n.file.a", "module.m"));
  ok(!matchesTarget("module.mm.file.a", "module.m"));
  ok(!matchesTarget("file.ab", "file.a"));
});

Deno.test("topological order breaks ties by key and reports what is stuck", () => {
  const deps: Record<string, string[]> = { c: [], b: ["c"], a: ["c"], d: ["e"], e: ["d"] };
  const r = topologicalOrder(Object.keys(deps), (id) => deps[id]);
  deepEqual(r.order, ["c", "a", "b"]);
  deepEqual(r.stuck.sort(), ["d", "e"]);
});

Deno.test("container drift: stopped, removed, or changed outside Clockwork", () => {
  const attrs = { image: "localhost/img:1", name: "cw-web" };
  const prior = {
    ...recorded("container.web", attrs),
    observed: { config_digest: "a".repeat(64) },
  };
  const plan = (seen: { exists: boolean; attributes: Record<string, unknown> }) =>
    makePlan(config([instance("container.web", attrs)]), state([prior]), {
      observations: [{ address: "container.web", ...seen }],
    }).value.changes[0];
  const same = plan({ exists: true, attributes: { running: true, config_digest: "a".repeat(64) } });
  equal(same.action, "no-op");
  const stopped = plan({
    exists: true,
    attributes: { running: false, config_digest: "a".repeat(64) },
  });
  equal(stopped.action, "update");
  deepEqual(stopped.reasons, ["container is not running"]);
  equal(plan({ exists: false, attributes: {} }).action, "create");
  const swapped = plan({
    exists: true,
    attributes: { running: true, config_digest: "b".repeat(64) },
  });
  equal(swapped.action, "update");
  ok(/changed outside Clockwork/.test(swapped.reasons[0]), swapped.reasons[0]);
});
