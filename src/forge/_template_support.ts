/** Helpers shared by the resource templates. */
import { createHash } from "node:crypto";
import { dirname, isAbsolute, resolve } from "node:path";
import type { Diagnostic } from "../hcl/mod.ts";
import type { Artifact } from "./types.ts";
import type { StepParts, TemplateContext } from "./_templates.ts";

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

const encoder = new TextEncoder();

/** The bytes an artifact stands for: its text as UTF-8, or its base64 decoded. */
export function artifactBytes(
  artifact: Pick<Artifact, "content" | "encoding">,
): Uint8Array {
  return artifact.encoding === "base64"
    ? Uint8Array.fromBase64(artifact.content)
    : encoder.encode(artifact.content);
}

/** `scripts/<address made file-safe>.<action><suffix>`; unsafe addresses get a hash to stay unique. */
export function artifactPath(address: string, action: string, suffix: string): string {
  let safe = address.replace(/[^A-Za-z0-9_.-]/g, "_");
  // Deno takes any `*.d.*.ts` file for a type declaration and runs nothing:
  // `task.d` must not become `task.d.create.ts`.
  if (suffix.endsWith(".ts") && `.${safe}.`.includes(".d.")) {
    safe = `.${safe}.`.replaceAll(".d.", ".d_.").slice(1, -1);
  }
  const unique = safe === address ? safe : `${safe}-${sha256Hex(address).slice(0, 8)}`;
  return `scripts/${unique}.${action}${suffix}`;
}

export function artifact(
  fields: Omit<Artifact, "sha256">,
): Artifact {
  const digest = sha256Hex(fields.encoding === "base64" ? artifactBytes(fields) : fields.content);
  return { ...fields, sha256: digest };
}

export function stringAttr(
  attributes: Readonly<Record<string, unknown>>,
  name: string,
): string | null {
  const value = attributes[name];
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return null;
}

export function resolvePath(baseDir: string, path: string): string {
  return isAbsolute(path) ? resolve(path) : resolve(baseDir, path);
}

const HOME = Deno.env.get("HOME");

/** Paths never granted whole: /, the top-level directories (/etc, /tmp, …) and $HOME itself. */
export function tooBroad(path: string): boolean {
  const p = resolve(path);
  if (p.split("/").length <= 2) return true;
  return HOME !== undefined && resolve(HOME) === p;
}

/**
 * The grant a destroy step needs to remove `path`: its directory, because the
 * sandbox binds a granted path onto itself and a mount point cannot be
 * removed; the path alone when its directory is too broad to grant.
 */
export function removalGrant(path: string): string {
  const parent = dirname(path);
  return tooBroad(parent) ? path : parent;
}

/** "644" or "0644" → "0644"; null when absent; a diagnostic when not an octal mode. */
export function modeAttr(context: TemplateContext, diagnostics: Diagnostic[]): string | null {
  const mode = stringAttr(context.attributes, "mode");
  if (mode === null) return null;
  if (!/^0?[0-7]{3,4}$/.test(mode)) {
    diagnostics.push(
      templateError(
        context,
        "CW4002",
        `\`mode\` must be an octal string like "0644", not ${JSON.stringify(mode)}`,
      ),
    );
    return null;
  }
  return "0" + (parseInt(mode, 8) & 0o7777).toString(8).padStart(3, "0");
}

/** `mode`, `owner` and `group` of a file or directory, as the executor applies them. */
export function ownershipAttrs(
  context: TemplateContext,
  diagnostics: Diagnostic[],
): { mode: string | null; owner: string | null; group: string | null } {
  return {
    mode: modeAttr(context, diagnostics),
    owner: stringAttr(context.attributes, "owner"),
    group: stringAttr(context.attributes, "group"),
  };
}

/** The resolved `path` of a file or directory; null, with CW4002 reported, when it is missing. */
export function requiredPath(
  context: TemplateContext,
  diagnostics: Diagnostic[],
  what: string,
): string | null {
  const rawPath = stringAttr(context.attributes, "path");
  if (rawPath === null || rawPath === "") {
    diagnostics.push(templateError(context, "CW4002", `${what} needs a \`path\``));
    return null;
  }
  return resolvePath(context.baseDir, rawPath);
}

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The resource's `env` map as step environment; names must be plain and not ours (CW_*). */
export function userEnv(
  context: TemplateContext,
  diagnostics: Diagnostic[],
): Record<string, string> {
  const env: Record<string, string> = {};
  const raw = context.attributes.env;
  if (raw === null || raw === undefined) return env;
  if (typeof raw !== "object" || Array.isArray(raw)) {
    diagnostics.push(templateError(context, "CW4002", "`env` must be a map of strings"));
    return env;
  }
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!ENV_NAME.test(name) || name.startsWith("CW_") || name === "PATH") {
      diagnostics.push(
        templateError(
          context,
          "CW4002",
          `Environment variable name ${JSON.stringify(name)} is not allowed`,
          {
            detail:
              "names are letters, digits and _, and may not be PATH or start with CW_ (reserved)",
          },
        ),
      );
      continue;
    }
    env[name] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return env;
}

export function templateError(
  context: TemplateContext,
  code: string,
  summary: string,
  extra: Partial<Diagnostic> = {},
): Diagnostic {
  const range = context.change.resource?.range;
  return {
    severity: "error",
    code,
    summary,
    address: context.step.address,
    ...(range ? { subject: range } : {}),
    ...extra,
  };
}

/** The interpreter argv for `run`-style strings: default `/bin/sh -c`; must start with an allowed runtime. */
export function interpreterArgv(
  context: TemplateContext,
  diagnostics: Diagnostic[],
): string[] {
  const raw = context.attributes.interpreter;
  if (raw === null || raw === undefined) return ["/bin/sh", "-c"];
  const list = typeof raw === "string" ? [raw] : Array.isArray(raw) ? raw.map(String) : null;
  if (list === null || list.length === 0) {
    diagnostics.push(
      templateError(context, "CW4002", '`interpreter` must be a list like ["bash", "-c"]'),
    );
    return ["/bin/sh", "-c"];
  }
  return list;
}

export function emptyStep(): StepParts {
  return { argv: [], env: {}, cwd: null, writes: [], network: false, inProcess: null };
}
