/**
 * Arguments of the five built-in resource types and the fifteen assertion
 * kinds. Each argument has the HCL type its value is converted to and a
 * valibot schema for what the converted value must satisfy; the per-type
 * valibot object schemas are exported to schemas/ as JSON Schema.
 */
import * as v from "valibot";
import type { AssertKind } from "./types.ts";
import { ANY, type HclType, STRING } from "./_typesys.ts";
import { compileRe2 } from "../hcl/mod.ts";
import { DURATION_TEXT, parseDurationText } from "./_duration.ts";

export interface ArgSpec {
  readonly type: HclType;
  readonly schema: v.GenericSchema;
  /** Meaning shown in docs and did-you-mean. */
  readonly doc: string;
  readonly default?: unknown;
  /** A path resolved against path.module. */
  readonly path?: boolean;
}

const NUMBER: HclType = { kind: "number" };
const BOOL: HclType = { kind: "bool" };
const LIST_OF_STRINGS: HclType = { kind: "list", element: STRING };
const MAP_OF_STRINGS: HclType = { kind: "map", element: STRING };

const text = v.string();
const nonEmpty = v.pipe(v.string(), v.minLength(1, "must not be empty"));
const MODE_TEXT = /^0?[0-7]{3}$/;
const mode = v.pipe(v.string(), v.regex(MODE_TEXT, 'must be an octal mode such as "0644"'));
/**
 * An assertion's mode: octal digits ("0644", "644", "4755"), optionally
 * written "0o644"; the number 644 arrives here as the text "644".
 */
const ASSERT_MODE_TEXT = /^(0o)?[0-7]{3,4}$/;
const assertMode = v.pipe(
  v.string(),
  v.regex(ASSERT_MODE_TEXT, 'must be an octal mode such as "0644", "644" or "0o644"'),
);
/** What assertions wait for or sample over: "500ms", "5s", "1m30s", or a number of seconds. */
const assertDuration = v.union(
  [
    v.pipe(
      v.string(),
      v.regex(
        DURATION_TEXT,
        'must be a duration such as "500ms", "5s" or "1m30s", or a number of seconds',
      ),
      // valibot runs every check of a pipe, so text the regex refused is left to it.
      v.check((text) => (parseDurationText(text) ?? 1) > 0, "must be longer than zero"),
    ),
    v.pipe(v.number(), v.gtValue(0, "must be a duration longer than zero (a number of seconds)")),
  ],
  'must be a duration such as "5s" or a number of seconds',
);
const httpStatus = v.pipe(
  v.number(),
  v.integer("must be a whole number"),
  v.minValue(100, "must be an HTTP status, 100 to 599"),
  v.maxValue(599, "must be an HTTP status, 100 to 599"),
);
const expectStatus = v.union(
  [httpStatus, v.pipe(v.array(httpStatus), v.minLength(1, "must list at least one status"))],
  "must be an HTTP status or a list of them, such as [200, 204]",
);
const count = v.pipe(
  v.number(),
  v.integer("must be a whole number"),
  v.minValue(0, "must not be negative"),
);
const percent = v.pipe(v.number(), v.minValue(0), v.maxValue(100, "must be at most 100"));
const positive = v.pipe(v.number(), v.minValue(0, "must not be negative"));
const regexText = v.pipe(
  v.string(),
  v.check((s) => {
    try {
      compileRe2(s);
      return true;
    } catch {
      return false;
    }
  }, "must be a valid regular expression (RE2 syntax, as Terraform's regex)"),
);
/** An OCI image reference: registry/namespace/name[:tag][@digest]; never starts with "-". */
export const IMAGE_REFERENCE =
  /^(?:[a-z0-9]+(?:[.-][a-z0-9]+)*(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const imageReference = v.pipe(
  v.string(),
  v.maxLength(255, "must be at most 255 characters"),
  v.regex(IMAGE_REFERENCE, 'must be an image reference such as "docker.io/library/nginx:1.27"'),
);
const url = v.pipe(v.string(), v.regex(/^https?:\/\/\S+$/, "must be an http:// or https:// URL"));

const arg = (
  type: HclType,
  schema: v.GenericSchema,
  doc: string,
  extra: Partial<ArgSpec> = {},
): ArgSpec => ({
  type,
  schema,
  doc,
  ...extra,
});

export interface ResourceTypeSpec {
  readonly args: Readonly<Record<string, ArgSpec>>;
  /** Alternatives of which at least one must be set; the first names the message. */
  readonly requiredOneOf: readonly (readonly string[])[];
  /** Arguments that may not appear together. */
  readonly exclusive: readonly (readonly string[])[];
  /** Arguments whose change is applied in place; any other change replaces. */
  readonly updatable: readonly string[];
}

const ownership = {
  mode: arg(STRING, mode, 'permission bits, octal ("0644")'),
  owner: arg(STRING, nonEmpty, "owning user"),
  group: arg(STRING, nonEmpty, "owning group"),
};

export const RESOURCE_TYPES: Readonly<Record<string, ResourceTypeSpec>> = {
  file: {
    args: {
      path: arg(STRING, nonEmpty, "where the file lives", { path: true }),
      content: arg(STRING, text, "the exact content"),
      source: arg(STRING, nonEmpty, "a file whose content is copied", { path: true }),
      ...ownership,
    },
    requiredOneOf: [["path"], ["content", "source", "description"]],
    exclusive: [["content", "source"]],
    updatable: ["content", "source", "mode", "owner", "group"],
  },
  directory: {
    args: { path: arg(STRING, nonEmpty, "the directory", { path: true }), ...ownership },
    requiredOneOf: [["path"]],
    exclusive: [],
    updatable: ["mode", "owner", "group"],
  },
  command: {
    args: {
      run: arg(STRING, nonEmpty, "the command line"),
      creates: arg(STRING, nonEmpty, "skip when this path exists", { path: true }),
      unless: arg(STRING, nonEmpty, "skip when this command exits 0"),
      destroy: arg(STRING, nonEmpty, "command run on destroy"),
      env: arg(MAP_OF_STRINGS, v.record(v.string(), v.string()), "environment variables"),
      cwd: arg(STRING, nonEmpty, "working directory", { path: true }),
      interpreter: arg(
        LIST_OF_STRINGS,
        v.pipe(v.array(v.string()), v.minLength(1)),
        "program and arguments that run `run`",
      ),
      writes: arg(LIST_OF_STRINGS, v.array(nonEmpty), "extra paths the step may write", {
        path: true,
      }),
      network: arg(BOOL, v.boolean(), "whether the step may use the network"),
    },
    requiredOneOf: [["run"]],
    exclusive: [],
    updatable: [],
  },
  container: {
    args: {
      image: arg(STRING, imageReference, "the image to run"),
      name: arg(
        STRING,
        v.pipe(
          v.string(),
          v.regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, "must be a valid container name"),
        ),
        "container name",
      ),
      ports: arg(
        LIST_OF_STRINGS,
        v.array(
          v.pipe(
            v.string(),
            v.regex(
              /^(\d{1,3}(\.\d{1,3}){3}:)?\d+(:\d+)?(\/(tcp|udp))?$/,
              'must look like "8080:80"',
            ),
          ),
        ),
        "published ports",
      ),
      volumes: arg(LIST_OF_STRINGS, v.array(nonEmpty), "bind mounts HOST:CONTAINER[:ro]"),
      env: arg(MAP_OF_STRINGS, v.record(v.string(), v.string()), "environment variables"),
      // A string is split on whitespace by the runtime (no shell); a list is taken as it is.
      command: arg(
        ANY,
        v.union(
          [nonEmpty, v.array(v.string())],
          'must be a command: a string such as "sleep 60" or a list such as ["sleep", "60"]',
        ),
        "command and arguments",
      ),
      restart: arg(
        STRING,
        v.picklist(["no", "always", "on-failure", "unless-stopped"]),
        "restart policy",
      ),
      healthcheck: arg(
        ANY,
        v.union(
          [nonEmpty, v.record(v.string(), v.unknown())],
          'must be a command string or an object such as { test = "…", interval = "5s" }',
        ),
        "health check: test, interval, timeout, retries",
      ),
      runtime: arg(STRING, v.picklist(["docker", "podman"]), "container runtime"),
    },
    requiredOneOf: [["image", "description"]],
    exclusive: [],
    updatable: [],
  },
  task: {
    args: {
      script: arg(STRING, nonEmpty, "the script to run"),
      lang: arg(STRING, v.picklist(["bash", "python3", "deno", "sh"]), "script language", {
        default: "bash",
      }),
      creates: arg(STRING, nonEmpty, "skip when this path exists", { path: true }),
      destroy: arg(STRING, nonEmpty, "script run on destroy"),
      env: arg(MAP_OF_STRINGS, v.record(v.string(), v.string()), "environment variables"),
      writes: arg(LIST_OF_STRINGS, v.array(nonEmpty), "extra paths the script may write", {
        path: true,
      }),
      network: arg(BOOL, v.boolean(), "whether the script may use the network"),
    },
    requiredOneOf: [["description", "script"]],
    exclusive: [],
    updatable: [],
  },
};

export const RESOURCE_TYPE_NAMES = Object.keys(RESOURCE_TYPES).sort();

/** Arguments every resource takes besides its own. */
export const META_ARGUMENTS = ["depends_on", "count", "for_each", "host", "timeout", "description"];

export interface AssertKindSpec {
  readonly args: Readonly<Record<string, ArgSpec>>;
  readonly requiredOneOf: readonly (readonly string[])[];
  /** Groups of which at most one argument may be set. */
  readonly exclusive?: readonly (readonly string[])[];
  /** Argument filled from the enclosing resource when omitted. */
  readonly fromOwner?: {
    readonly arg: string;
    readonly ownerTypes: readonly string[];
    readonly attribute: string | null;
  };
}

const containerArg = arg(STRING, nonEmpty, "container resource address or container name");
const processArg = arg(STRING, nonEmpty, "process name");
const pathArg = arg(STRING, nonEmpty, "path checked", { path: true });
const containerFromOwner = { arg: "container", ownerTypes: ["container"], attribute: null };
const pathFromOwner = { arg: "path", ownerTypes: ["file", "directory"], attribute: "path" };

export const ASSERT_SPECS: Readonly<Record<AssertKind, AssertKindSpec>> = {
  http: {
    args: {
      url: arg(STRING, url, "URL requested"),
      expect_status: arg(ANY, expectStatus, "expected status, or a list of accepted ones", {
        default: 200,
      }),
      body_contains: arg(STRING, text, "text the body must contain"),
      timeout: arg(ANY, assertDuration, "request timeout", { default: "10s" }),
    },
    requiredOneOf: [["url"]],
  },
  port: {
    args: {
      port: arg(
        NUMBER,
        v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535)),
        "TCP port",
      ),
      host: arg(STRING, nonEmpty, "host connected to", { default: "127.0.0.1" }),
      timeout: arg(ANY, assertDuration, "connect timeout", { default: "5s" }),
    },
    requiredOneOf: [["port"]],
  },
  response_time: {
    args: {
      url: arg(STRING, url, "URL requested"),
      max_ms: arg(NUMBER, positive, "slowest acceptable response"),
      // Its default, the larger of 10 s and twice max_ms, is computed by the assertion.
      timeout: arg(ANY, assertDuration, "request timeout"),
    },
    requiredOneOf: [["url"], ["max_ms"]],
  },
  container_running: {
    args: { container: containerArg },
    requiredOneOf: [["container"]],
    fromOwner: containerFromOwner,
  },
  container_healthy: {
    args: { container: containerArg },
    requiredOneOf: [["container"]],
    fromOwner: containerFromOwner,
  },
  log_contains: {
    args: {
      pattern: arg(STRING, regexText, "regular expression"),
      lines: arg(NUMBER, count, "how many recent lines are searched", { default: 100 }),
      container: containerArg,
    },
    requiredOneOf: [["pattern"], ["container"]],
    fromOwner: containerFromOwner,
  },
  file_exists: { args: { path: pathArg }, requiredOneOf: [["path"]], fromOwner: pathFromOwner },
  file_permissions: {
    args: {
      path: pathArg,
      mode: arg(STRING, assertMode, 'permission bits, octal ("0644", "644", "0o644")'),
      owner: arg(STRING, nonEmpty, "owning user name or numeric uid"),
      group: arg(STRING, nonEmpty, "owning group name or numeric gid"),
    },
    requiredOneOf: [["path"], ["mode", "owner", "group"]],
    fromOwner: pathFromOwner,
  },
  file_size: {
    args: {
      path: pathArg,
      min_bytes: arg(NUMBER, count, "smallest size"),
      max_bytes: arg(NUMBER, count, "largest size"),
    },
    requiredOneOf: [["path"], ["min_bytes", "max_bytes"]],
    fromOwner: pathFromOwner,
  },
  file_content: {
    args: {
      path: pathArg,
      pattern: arg(STRING, regexText, "regular expression the content matches"),
      sha256: arg(
        STRING,
        v.pipe(v.string(), v.regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex digits")),
        "expected sha256",
      ),
    },
    requiredOneOf: [["path"], ["pattern", "sha256"]],
    exclusive: [["pattern", "sha256"]],
    fromOwner: pathFromOwner,
  },
  memory_usage: {
    args: {
      max_mb: arg(NUMBER, positive, "largest resident memory in MB"),
      container: containerArg,
      process: processArg,
    },
    requiredOneOf: [["max_mb"], ["container", "process"]],
    fromOwner: containerFromOwner,
  },
  cpu_usage: {
    args: {
      // Percent of one CPU: a process using two cores fully is at 200.
      max_percent: arg(NUMBER, positive, "highest CPU use in percent of one CPU"),
      container: containerArg,
      process: processArg,
      sample: arg(ANY, assertDuration, "how long a process is watched", { default: "1s" }),
    },
    requiredOneOf: [["max_percent"], ["container", "process"]],
    fromOwner: containerFromOwner,
  },
  disk_usage: {
    args: {
      path: pathArg,
      max_percent: arg(NUMBER, percent, "fullest the filesystem may be"),
      max_mb: arg(NUMBER, positive, "largest size of the path in MB"),
    },
    requiredOneOf: [["path"], ["max_percent", "max_mb"]],
    fromOwner: pathFromOwner,
  },
  process_running: {
    args: {
      name: processArg,
      min_count: arg(NUMBER, v.pipe(count, v.minValue(1)), "fewest processes", { default: 1 }),
    },
    requiredOneOf: [["name"]],
  },
  process_not_running: { args: { name: processArg }, requiredOneOf: [["name"]] },
};

/** valibot object schema of a resource type's (or assertion kind's) arguments, for docs and JSON Schema. */
export function argumentsSchema(args: Readonly<Record<string, ArgSpec>>): v.GenericSchema {
  const entries: Record<string, v.GenericSchema> = {};
  for (const [name, spec] of Object.entries(args)) {
    entries[name] = v.optional(v.nullable(spec.schema));
  }
  return v.object(entries);
}

/**
 * Checks that accept exactly what a common schema accepts, tried before
 * valibot: every resource has a few such arguments, and a valid value is the
 * rule. A value they refuse goes to valibot, which words the message.
 */
const QUICK_CHECKS = new Map<v.GenericSchema, (value: unknown) => boolean>([
  [text, (value) => typeof value === "string"],
  [nonEmpty, (value) => typeof value === "string" && value.length >= 1],
  [mode, (value) => typeof value === "string" && MODE_TEXT.test(value)],
  [assertMode, (value) => typeof value === "string" && ASSERT_MODE_TEXT.test(value)],
]);

/**
 * First message of a failed valibot check, phrased for a diagnostic. A
 * `sensitive` value is never quoted: not as what was received, nor as a key
 * of the path to the offending element.
 */
export function checkArgument(
  spec: ArgSpec,
  value: unknown,
  sensitive = false,
): string | undefined {
  const quick = QUICK_CHECKS.get(spec.schema);
  if (quick !== undefined && quick(value)) return undefined;
  const result = v.safeParse(spec.schema, value);
  if (result.success) return undefined;
  const issue = result.issues[0];
  const steps = issue.path?.map((p) =>
    sensitive && typeof p.key !== "number" ? "(sensitive)" : String(p.key)
  );
  const where = steps?.length ? ` (at ${steps.join(".")})` : "";
  // A union's own message says what each of its forms looks like.
  if (issue.kind === "schema" && issue.type !== "union") {
    return `expected ${issue.expected}, got ${sensitive ? "(sensitive)" : issue.received}${where}`;
  }
  // valibot's own messages end with what was received ("… but received 0").
  const message = sensitive && issue.received !== "" && issue.message.includes(issue.received)
    ? issue.message.replaceAll(issue.received, "(sensitive)")
    : issue.message;
  return `${message}${where}`;
}
