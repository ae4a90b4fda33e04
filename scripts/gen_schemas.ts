/**
 * Writes the JSON Schemas of every stage's output into schemas/, generated
 * from the valibot schemas, so consumers of the IR, plans, state, bundles and
 * the CLI's JSON documents can validate what they read. Output is
 * deterministic; tests/schemas_test.ts fails when the files are stale.
 *
 * Usage: deno task schemas            (write)
 *        deno run -A scripts/gen_schemas.ts --check   (exit 1 when stale)
 */
import { toJsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { argumentsSchema, ASSERT_SPECS, ConfigSchema, RESOURCE_TYPES } from "../src/config/mod.ts";
import {
  GraphDocumentSchema,
  PlanDocumentSchema,
  PlanSchema,
  ValidateDocumentSchema,
} from "../src/plan/mod.ts";
import { ObservationSchema, StateSchema } from "../src/state/mod.ts";
import { BundleSchema } from "../src/forge/mod.ts";
import {
  ApplyEventSchema,
  AssertDocumentSchema,
  DaemonStreamEventSchema,
  DiagnosticsDocumentSchema,
  OutputDocumentSchema,
  StateListDocumentSchema,
  StateRmDocumentSchema,
  StateShowDocumentSchema,
} from "../src/cli/documents.ts";

const SCHEMA_BASE = "https://clockwork.invalid/schemas/";

function render(name: string, title: string, schema: v.GenericSchema): string {
  const json = toJsonSchema(schema, { errorMode: "ignore" }) as Record<string, unknown>;
  const { $schema, ...rest } = json;
  return JSON.stringify({ $schema, $id: `${SCHEMA_BASE}${name}`, title, ...rest }, null, 2) + "\n";
}

/** File name → contents, in a fixed order. */
export function generateSchemas(): Map<string, string> {
  const files = new Map<string, string>();
  const add = (name: string, title: string, schema: v.GenericSchema) =>
    files.set(name, render(name, title, schema));
  add("config.schema.json", "Clockwork configuration IR (INTAKE output)", ConfigSchema);
  add("plan.schema.json", "Clockwork plan (ASSEMBLY output, body of a plan file)", PlanSchema);
  add("plan-document.schema.json", "`clockwork plan --json`", PlanDocumentSchema);
  add("validate-document.schema.json", "`clockwork validate --json`", ValidateDocumentSchema);
  add("graph-document.schema.json", "`clockwork graph --format json`", GraphDocumentSchema);
  add("apply-event.schema.json", "One line of `clockwork apply|destroy --json`", ApplyEventSchema);
  add("daemon-event.schema.json", "One line of `clockwork daemon --json`", DaemonStreamEventSchema);
  add("assert-document.schema.json", "`clockwork assert --json`", AssertDocumentSchema);
  add("state-list-document.schema.json", "`clockwork state list --json`", StateListDocumentSchema);
  add("state-show-document.schema.json", "`clockwork state show --json`", StateShowDocumentSchema);
  add("state-rm-document.schema.json", "`clockwork state rm --json`", StateRmDocumentSchema);
  add("output-document.schema.json", "`clockwork output [NAME] --json`", OutputDocumentSchema);
  add(
    "diagnostics-document.schema.json",
    "`clockwork --json` of a document command that failed before its document",
    DiagnosticsDocumentSchema,
  );
  add("state.schema.json", "Clockwork recorded state", StateSchema);
  add("observation.schema.json", "What an observe call found", ObservationSchema);
  add("bundle.schema.json", "Clockwork artifact bundle (FORGE output)", BundleSchema);
  const resources: Record<string, v.GenericSchema> = {};
  for (const type of Object.keys(RESOURCE_TYPES).sort()) {
    resources[type] = argumentsSchema(RESOURCE_TYPES[type].args);
  }
  add(
    "resource-arguments.schema.json",
    "Arguments of the built-in resource types",
    v.object(resources),
  );
  const asserts: Record<string, v.GenericSchema> = {};
  for (const kind of Object.keys(ASSERT_SPECS).sort()) {
    asserts[kind] = argumentsSchema(ASSERT_SPECS[kind as keyof typeof ASSERT_SPECS].args);
  }
  add("assert-arguments.schema.json", "Arguments of the assertion kinds", v.object(asserts));
  return files;
}

export const schemasDir = fileURLToPath(new URL("../schemas/", import.meta.url));

if (import.meta.main) {
  const check = Deno.args.includes("--check");
  const stale: string[] = [];
  Deno.mkdirSync(schemasDir, { recursive: true });
  for (const [name, text] of generateSchemas()) {
    const path = join(schemasDir, name);
    let current: string | undefined;
    try {
      current = Deno.readTextFileSync(path);
    } catch { /* new file */ }
    if (current === text) continue;
    stale.push(name);
    if (!check) Deno.writeTextFileSync(path, text);
  }
  if (check && stale.length > 0) {
    console.error(`stale schemas (run \`deno task schemas\`): ${stale.join(", ")}`);
    Deno.exit(1);
  }
  console.log(
    stale.length ? `${check ? "stale" : "wrote"}: ${stale.join(", ")}` : "schemas are up to date",
  );
}
