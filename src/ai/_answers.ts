/**
 * What the model may answer, per field it fills. Every answer is validated
 * against these schemas; the JSON Schema form of each is sent with the
 * request (Ollama `format`, OpenAI `response_format`).
 */
import * as v from "valibot";
import { toJsonSchema } from "@valibot/to-json-schema";
import { IMAGE_REFERENCE } from "../config/mod.ts";

export { IMAGE_REFERENCE };

const PORT_MAPPING = /^(?:(?:[0-9]{1,3}\.){3}[0-9]{1,3}:)?[0-9]{1,5}:[0-9]{1,5}(?:\/(?:tcp|udp))?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SAFE_FILENAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export const FileContentAnswer = v.strictObject({
  content: v.pipe(v.string(), v.maxLength(1_000_000)),
});

export const ContainerImageAnswer = v.strictObject({
  image: v.pipe(v.string(), v.maxLength(255), v.regex(IMAGE_REFERENCE, "not an image reference")),
  ports: v.optional(v.array(v.pipe(v.string(), v.regex(PORT_MAPPING, "not a port mapping")))),
  env: v.optional(
    v.record(
      v.pipe(v.string(), v.regex(ENV_NAME, "not an environment variable name")),
      v.pipe(v.string(), v.maxLength(4096)),
    ),
  ),
});

export const TaskScriptAnswer = v.strictObject({
  lang: v.picklist(["bash", "sh", "python3", "deno"]),
  script: v.pipe(v.string(), v.minLength(1), v.maxLength(200_000)),
  /** A suggested artifact name; a plain file name only, never a path. */
  filename: v.optional(
    v.pipe(
      v.string(),
      v.regex(SAFE_FILENAME, "must be a plain file name"),
      v.check((name) => !name.includes(".."), "must not contain '..'"),
    ),
  ),
});

/**
 * What the daemon shows next to a difference it leaves alone: steps for a
 * person, and optionally the `.cw` edit that would make the configuration
 * match. Nothing in it is ever run by Clockwork.
 */
export const RunbookAnswer = v.strictObject({
  summary: v.pipe(v.string(), v.minLength(1), v.maxLength(500)),
  steps: v.pipe(
    v.array(v.strictObject({
      description: v.pipe(v.string(), v.minLength(1), v.maxLength(500)),
      /** One shell command a person may run for this step. */
      command: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(2000))),
    })),
    v.minLength(1),
    v.maxLength(10),
  ),
  /** HCL a person may paste into the configuration (checked to parse). */
  cw_patch: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(20_000))),
});
export type Runbook = v.InferOutput<typeof RunbookAnswer>;

/** The resource arguments the AI may fill in. */
export type AiField = "content" | "image" | "script";
/** Everything the AI is asked for: a resource argument, or a runbook for the daemon. */
export type AnswerKind = AiField | "runbook";

export const ANSWER_SCHEMAS = {
  content: FileContentAnswer,
  image: ContainerImageAnswer,
  script: TaskScriptAnswer,
  runbook: RunbookAnswer,
} as const;

export type AnswerFor<F extends AnswerKind> = v.InferOutput<(typeof ANSWER_SCHEMAS)[F]>;
export type AnyAnswer = AnswerFor<AiField>;

const jsonSchemaCache = new Map<AnswerKind, Record<string, unknown>>();

/** The JSON Schema sent to the model (draft-07, without the `$schema` key some servers reject). */
export function answerJsonSchema(field: AnswerKind): Record<string, unknown> {
  let schema = jsonSchemaCache.get(field);
  if (!schema) {
    const { $schema: _ignored, ...rest } = toJsonSchema(ANSWER_SCHEMAS[field], {
      errorMode: "ignore",
    }) as Record<string, unknown>;
    schema = rest;
    jsonSchemaCache.set(field, schema);
  }
  return schema;
}

export type Validation<A = AnyAnswer> =
  | { ok: true; answer: A }
  | { ok: false; problem: string };

/** Validates a parsed answer; the problem text is what the model is told on retry. */
export function validateAnswer<F extends AnswerKind>(
  field: F,
  data: unknown,
): Validation<AnswerFor<F>> {
  const result = v.safeParse(ANSWER_SCHEMAS[field], data);
  if (result.success) return { ok: true, answer: result.output as AnswerFor<F> };
  const problem = result.issues.map((issue) => {
    const path = issue.path?.map((p) => String(p.key)).join(".") ?? "";
    return path ? `${path}: ${issue.message}` : issue.message;
  }).join("; ");
  return { ok: false, problem };
}
