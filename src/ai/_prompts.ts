/**
 * The requests we send. They are a pure function of the resource, so the same
 * resource asks the same question and finds the same pin.
 */
import { isAbsolute, relative } from "node:path";
import type { ResourceInstance } from "../config/mod.ts";
import type { AiField, AnswerKind } from "./_answers.ts";

export interface ChatMessage {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

export interface AiRequest {
  readonly address: string;
  readonly field: AnswerKind;
  readonly description: string;
  /** The resource's other arguments the model may need (never sensitive ones). */
  readonly context: Readonly<Record<string, unknown>>;
}

const SYSTEM = [
  "You fill in one missing value of a Clockwork resource (declarative host automation).",
  "Answer with exactly one JSON object matching the given JSON Schema and nothing else.",
  "Never include commands that delete system directories, download and run code, or change privileges.",
].join(" ");

const TASKS: Record<AiField, string> = {
  content: "Write the complete content of the file described below. Put it in `content`.",
  image:
    'Choose a container image for the service described below. Put the image reference in `image`; optionally suggest `ports` ("HOST:CONTAINER") and `env`.',
  script:
    "Write a script that does the task described below. Choose `lang` from bash, sh, python3, deno and put the script in `script`. It must be idempotent and must only touch what the task names.",
};

const RUNBOOK_TASK = [
  "Clockwork's drift daemon found the difference described below and did not fix it on its own.",
  "Write a short runbook for the operator: `summary` says what is wrong and what fixing it means;",
  "`steps` (1 to 10) say what to check and do, each with an optional shell `command`.",
  "If the configuration should change instead, put the HCL to paste in `cw_patch`.",
  "Do not delete data unless the difference is a removal the operator asked for.",
].join(" ");

/** Context attributes worth telling the model, per field. */
const CONTEXT_KEYS: Record<AiField, readonly string[]> = {
  content: ["path", "mode"],
  image: ["name", "ports", "env", "volumes", "command"],
  script: ["creates", "lang"],
};

/** Arguments that hold paths, which the IR keeps absolute. */
const PATH_KEYS: ReadonlySet<string> = new Set(["path", "creates"]);

/**
 * A path inside the module's directory as it is relative to it, so the
 * request, and the pin keyed by it, stay the same in another checkout of the
 * configuration; a path outside it (`/etc/motd`) as it is.
 */
function portablePath(path: string, moduleDir: string): string {
  const inside = relative(moduleDir, path);
  return inside === "" || inside.startsWith("..") || isAbsolute(inside) ? path : `./${inside}`;
}

export function buildRequest(resource: ResourceInstance, field: AiField): AiRequest {
  const context: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS[field]) {
    if (resource.sensitiveAttributes.includes(key)) continue;
    const value = resource.attributes[key];
    if (value === undefined || value === null) continue;
    context[key] = PATH_KEYS.has(key) && typeof value === "string" && resource.moduleDir
      ? portablePath(value, resource.moduleDir)
      : value;
  }
  return {
    address: resource.address,
    field,
    description: resource.description ?? String(resource.attributes.description ?? ""),
    // Plain JSON: HCL values are null-prototype objects, and the request is stored in the lock file.
    context: JSON.parse(JSON.stringify(context)),
  };
}

export function buildMessages(request: AiRequest): ChatMessage[] {
  const lines = [
    request.field === "runbook" ? RUNBOOK_TASK : TASKS[request.field],
    "",
    `Resource: ${request.address}`,
    `Description: ${request.description}`,
  ];
  const keys = Object.keys(request.context);
  if (keys.length > 0) lines.push(`Known arguments: ${JSON.stringify(request.context)}`);
  return [
    { role: "system", content: SYSTEM },
    { role: "user", content: lines.join("\n") },
  ];
}

/** The follow-up that gives the model one chance to correct an invalid answer. */
export function retryMessages(
  messages: readonly ChatMessage[],
  previousAnswer: string,
  problem: string,
): ChatMessage[] {
  return [
    ...messages,
    { role: "assistant", content: previousAnswer.slice(0, 4000) },
    {
      role: "user",
      content:
        `That answer was rejected: ${problem}. Answer again with one JSON object that matches the schema.`,
    },
  ];
}
