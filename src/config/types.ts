/**
 * The IR: what INTAKE hands to ASSEMBLY. Plain JSON-serialisable values,
 * described by valibot schemas (exported to schemas/ as JSON Schema).
 * Attribute values are fully evaluated; sensitive ones are stored in clear
 * (scripts need them) and listed in `sensitiveAttributes` so every renderer
 * redacts them.
 */
import * as v from "valibot";

export const RangeSchema = v.object({
  filename: v.string(),
  start: v.number(),
  end: v.number(),
});

export const ASSERT_KINDS = [
  "http",
  "port",
  "response_time",
  "container_running",
  "container_healthy",
  "log_contains",
  "file_exists",
  "file_permissions",
  "file_size",
  "file_content",
  "memory_usage",
  "cpu_usage",
  "disk_usage",
  "process_running",
  "process_not_running",
] as const;
export type AssertKind = (typeof ASSERT_KINDS)[number];

export const AssertionSchema = v.object({
  kind: v.picklist(ASSERT_KINDS),
  /** Owning resource instance (`container.web`) or check (`check.site_up`). */
  owner: v.string(),
  /** The enclosing resource's type, when inside a resource (e.g. "container"). */
  ownerType: v.nullable(v.string()),
  /** Evaluated arguments of the assert block, defaults applied. */
  args: v.record(v.string(), v.unknown()),
  /** Directory relative paths resolve against (path.module). */
  baseDir: v.string(),
  range: RangeSchema,
});
export type Assertion = v.InferOutput<typeof AssertionSchema>;

export const LifecycleSchema = v.object({
  preventDestroy: v.boolean(),
  ignoreChanges: v.array(v.string()),
  createBeforeDestroy: v.boolean(),
});

export const ResourceInstanceSchema = v.object({
  /** `file.index`, `file.index[0]`, `module.cache.container.redis`, `module.site["a"].file.x` */
  address: v.string(),
  /**
   * Module path from the root: [] for the root module, ["cache"] for module.cache;
   * a repeated module's step carries its key: ['site["a"]'] for module.site["a"].
   */
  module: v.array(v.string()),
  type: v.string(),
  name: v.string(),
  /** count.index or each.key; null without count/for_each. */
  key: v.nullable(v.union([v.string(), v.number()])),
  attributes: v.record(v.string(), v.unknown()),
  sensitiveAttributes: v.array(v.string()),
  /** Instance addresses this one depends on (references + depends_on), sorted. */
  dependsOn: v.array(v.string()),
  /** Host name (a `host` block) or null for the local machine. */
  host: v.nullable(v.string()),
  timeoutMs: v.number(),
  lifecycle: LifecycleSchema,
  description: v.nullable(v.string()),
  /** Arguments the user left to the AI (e.g. ["content"]); filled by src/ai before planning. */
  aiFields: v.array(v.string()),
  asserts: v.array(AssertionSchema),
  /** Absolute directory of the module that declares it (path.module). */
  moduleDir: v.string(),
  range: RangeSchema,
});
export type ResourceInstance = v.InferOutput<typeof ResourceInstanceSchema>;

export const HostSchema = v.object({
  name: v.string(),
  runner: v.string(),
  attributes: v.record(v.string(), v.unknown()),
  range: RangeSchema,
});
export type Host = v.InferOutput<typeof HostSchema>;

export const OutputSchema = v.object({
  name: v.string(),
  value: v.unknown(),
  sensitive: v.boolean(),
  range: RangeSchema,
});
export type Output = v.InferOutput<typeof OutputSchema>;

export const CheckSchema = v.object({
  name: v.string(),
  asserts: v.array(AssertionSchema),
  range: RangeSchema,
});
export type Check = v.InferOutput<typeof CheckSchema>;

export const ClockworkSettingsSchema = v.object({
  requiredVersion: v.nullable(v.string()),
  ai: v.nullable(v.object({
    provider: v.nullable(v.string()),
    model: v.nullable(v.string()),
    baseUrl: v.nullable(v.string()),
  })),
  state: v.nullable(v.object({
    backend: v.nullable(v.string()),
    path: v.nullable(v.string()),
    /** The block's other attributes, passed to the state plugin as its settings. */
    options: v.optional(v.record(v.string(), v.string())),
  })),
});
export type ClockworkSettings = v.InferOutput<typeof ClockworkSettingsSchema>;

export const ConfigSchema = v.object({
  format_version: v.literal("1"),
  /** Absolute configuration directory (path.root). */
  rootDir: v.string(),
  /** Every .cw/.cwvars file read, relative to rootDir, sorted. */
  files: v.array(v.string()),
  /** sha256 over file contents and resolved variable values: changes when the config does. */
  digest: v.string(),
  settings: ClockworkSettingsSchema,
  /** Resolved variable values (root module). */
  variables: v.record(v.string(), v.object({ value: v.unknown(), sensitive: v.boolean() })),
  /** Every resource instance after count/for_each expansion, sorted by address. */
  resources: v.array(ResourceInstanceSchema),
  hosts: v.array(HostSchema),
  outputs: v.array(OutputSchema),
  checks: v.array(CheckSchema),
});
export type Config = v.InferOutput<typeof ConfigSchema>;
