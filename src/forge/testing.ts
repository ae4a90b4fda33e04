/**
 * Builders for plans in tests and benchmarks of forge and exec, so they do
 * not depend on the planner. Not used by the product itself.
 */
import type { ResourceInstance } from "../config/mod.ts";
import type { ActionKind, Change, Plan, PlanStep } from "../plan/mod.ts";

export function testResource(
  type: string,
  name: string,
  attributes: Record<string, unknown>,
  extra: Partial<ResourceInstance> = {},
): ResourceInstance {
  return {
    address: `${type}.${name}`,
    module: [],
    type,
    name,
    key: null,
    attributes,
    sensitiveAttributes: [],
    dependsOn: [],
    host: null,
    timeoutMs: 300_000,
    lifecycle: { preventDestroy: false, ignoreChanges: [], createBeforeDestroy: false },
    description: null,
    aiFields: [],
    asserts: [],
    moduleDir: extra.moduleDir ?? "/",
    range: { filename: "main.cw", start: 0, end: 0 },
    ...extra,
  };
}

type Prior = NonNullable<Change["prior"]>;

export function priorOf(resource: ResourceInstance): Prior {
  return {
    address: resource.address,
    type: resource.type,
    module: resource.module,
    attributes: resource.attributes,
    sensitiveAttributes: resource.sensitiveAttributes,
    digest: "",
    dependencies: resource.dependsOn,
    observed: null,
    host: resource.host,
    preventDestroy: resource.lifecycle.preventDestroy,
  };
}

/** A plan doing `action` to every resource; steps follow `dependsOn` (reversed for delete). */
export function testPlan(
  resources: readonly ResourceInstance[],
  action: "create" | "update" | "delete" = "create",
): Plan {
  const kind: ActionKind = action;
  const changes: Change[] = resources.map((r) => ({
    address: r.address,
    type: r.type,
    action: kind,
    reasons: [],
    before: action === "create" ? null : r.attributes,
    after: action === "delete" ? null : r.attributes,
    attributeChanges: [],
    resource: action === "delete" ? null : r,
    prior: action === "create" ? null : priorOf(r),
    aiFilled: [],
  }));
  const addresses = new Set(resources.map((r) => r.address));
  const steps: PlanStep[] = resources.map((r) => ({
    id: `${r.address}:${action}`,
    address: r.address,
    action,
    dependsOn: action === "delete"
      ? resources.filter((o) => o.dependsOn.includes(r.address)).map((o) => `${o.address}:delete`)
      : r.dependsOn.filter((d) => addresses.has(d)).map((d) => `${d}:${action}`),
  }));
  const count = resources.length;
  return {
    format_version: "1",
    configDigest: "test",
    stateLineage: null,
    stateSerial: 0,
    changes,
    steps,
    summary: {
      create: action === "create" ? count : 0,
      update: action === "update" ? count : 0,
      replace: 0,
      delete: action === "delete" ? count : 0,
      no_op: 0,
    },
    outputs: {},
    targets: [],
    destroy: action === "delete",
  };
}
