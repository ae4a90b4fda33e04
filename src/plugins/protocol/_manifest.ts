/**
 * The plugin manifest, `clockwork-plugin.json`, and the permission grant it
 * asks for. A grant recorded in `clockwork.lock` has the same shape.
 */
import * as v from "valibot";
import type { Diagnostic } from "../../hcl/mod.ts";
import { pluginDiagnostic } from "./_diagnostic.ts";

export const SDK_VERSION = "1";
export const MANIFEST_FILE = "clockwork-plugin.json";
export const PLUGIN_KINDS = ["runner", "ai", "state"] as const;
export type PluginKind = (typeof PLUGIN_KINDS)[number];

const nonEmpty = v.pipe(v.string(), v.minLength(1));

export const PermissionsSchema = v.strictObject({
  /** Paths, relative to the configuration directory unless absolute. */
  read: v.optional(v.array(nonEmpty)),
  write: v.optional(v.array(nonEmpty)),
  /** Hosts, optionally with a port: `api.example.com`, `127.0.0.1:11434`. */
  net: v.optional(v.array(nonEmpty)),
  /** Binaries by name or absolute path. */
  run: v.optional(v.array(nonEmpty)),
  /** Environment variable names. */
  env: v.optional(v.array(nonEmpty)),
});
export type Permissions = v.InferOutput<typeof PermissionsSchema>;
export const PERMISSION_KINDS = ["read", "write", "net", "run", "env"] as const;
export type PermissionKind = (typeof PERMISSION_KINDS)[number];

export const PluginNameSchema = v.pipe(
  v.string(),
  v.regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be lowercase letters, digits and '-'"),
);

/** A `.js` file name beside the manifest: no directories, not hidden. */
export const EntrySchema = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]*\.m?js$/, "must be a .js file name beside the manifest"),
);

export const ManifestSchema = v.object({
  name: PluginNameSchema,
  version: nonEmpty,
  kind: v.picklist(PLUGIN_KINDS),
  /** The bundled ES module, relative to the manifest, without directories. */
  entry: EntrySchema,
  sdk: v.literal(SDK_VERSION),
  description: v.optional(v.string()),
  /** Informational digest of the entry written by the bundler; the lock is authoritative. */
  sha256: v.optional(v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/))),
  permissions: v.optional(PermissionsSchema, {}),
});
export type Manifest = v.InferOutput<typeof ManifestSchema>;

/** Formats valibot issues as `path: message` lines. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues.map((issue) => {
    const path = v.getDotPath(issue);
    return path ? `${path}: ${issue.message}` : issue.message;
  }).join("; ");
}

/** Parses manifest text; `filename` only labels diagnostics. */
export function parseManifest(
  text: string,
  filename: string,
): { value?: Manifest; diagnostics: Diagnostic[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return {
      diagnostics: [
        pluginDiagnostic(
          "CW7001",
          "Plugin manifest is not valid JSON",
          `${filename}: ${(e as Error).message}`,
        ),
      ],
    };
  }
  const parsed = v.safeParse(ManifestSchema, json);
  if (!parsed.success) {
    return {
      diagnostics: [
        pluginDiagnostic(
          "CW7001",
          "Invalid plugin manifest",
          `${filename}: ${describeIssues(parsed.issues)}`,
        ),
      ],
    };
  }
  return { value: parsed.output, diagnostics: [] };
}

/** Sorted, de-duplicated, empty lists dropped: the canonical grant. */
export function normalizePermissions(p: Permissions | undefined): Permissions {
  const out: Permissions = {};
  for (const kind of PERMISSION_KINDS) {
    const list = p?.[kind];
    if (list && list.length > 0) out[kind] = [...new Set(list)].sort();
  }
  return out;
}

/** One line per kind, for confirmation prompts and `plugin list`. */
export function describePermissions(p: Permissions): string[] {
  const labels: Record<PermissionKind, string> = {
    read: "read files",
    write: "write files",
    net: "connect to",
    run: "run programs",
    env: "read environment variables",
  };
  const lines = PERMISSION_KINDS.filter((k) => p[k]?.length).map((k) =>
    `${labels[k]}: ${p[k]!.join(", ")}`
  );
  return lines.length ? lines : ["no permissions"];
}
