/**
 * Fills what the user left to the AI. Every answer is parsed, validated
 * against its schema, checked by the caller's script scan, and only then
 * pinned and used; an invalid answer gets one retry with the reason, then the
 * resource is refused with a diagnostic. Nothing unvalidated leaves here.
 */
import type { Config, ResourceInstance } from "../config/mod.ts";
import type { Diagnostic } from "../hcl/mod.ts";
import { error } from "../hcl/mod.ts";
import { type AiField, type AnyAnswer, validateAnswer } from "./_answers.ts";
import { askModel, type Checked } from "./_ask.ts";
import { buildRequest } from "./_prompts.ts";
import { type Pin, pinKey, type PinTable, replacePin } from "./pins.ts";
import type { AiProvider } from "./provider.ts";

/** The forge's security scan, handed in by the caller (src/ai may not import src/forge). */
export type ScriptCheck = (
  script: {
    lang: string;
    content: string;
    address: string;
    /** Absolute paths the resource declares it writes (its `creates` and `writes`). */
    writes?: readonly string[];
  },
) => readonly string[];

/** What a task declares it writes, as the forge grants it to the task's own script. */
function declaredWrites(resource: ResourceInstance): string[] {
  const { creates, writes } = resource.attributes;
  const out = typeof creates === "string" && creates !== "" ? [creates] : [];
  if (Array.isArray(writes)) {
    for (const w of writes) if (typeof w === "string" && w !== "") out.push(w);
  }
  return out;
}

export interface CompletionOptions {
  /** Null when AI is off (`--no-ai`, provider `none`). */
  readonly provider: AiProvider | null;
  /** Why the provider is null, for the diagnostic (e.g. "AI is disabled (--no-ai)"). */
  readonly disabledReason?: string;
  readonly model: string;
  readonly pins: PinTable;
  /** Addresses whose pins are ignored and asked again (`clockwork ai refresh`). */
  readonly refresh?: (address: string) => boolean;
  readonly checkScript?: ScriptCheck;
  readonly timeoutMs?: number;
  readonly stream?: boolean;
  /** Progress lines ("asking ollama for file.index content…"). */
  readonly onProgress?: (message: string) => void;
}

export interface FilledValue {
  readonly address: string;
  readonly field: AiField;
  readonly fromPin: boolean;
}

export interface CompletionResult {
  readonly config: Config;
  readonly pins: PinTable;
  /** True when `pins` differs from the input and should be written. */
  readonly pinsChanged: boolean;
  readonly filled: FilledValue[];
  readonly diagnostics: Diagnostic[];
}

const WHAT_TO_SET: Record<AiField, string> = {
  content: "set `content` or `source`",
  image: "set `image`",
  script: "set `script`",
};

export async function completeConfig(
  config: Config,
  options: CompletionOptions,
): Promise<CompletionResult> {
  let pins = options.pins;
  let pinsChanged = false;
  const filled: FilledValue[] = [];
  const diagnostics: Diagnostic[] = [];
  const resources: ResourceInstance[] = [];

  for (const resource of config.resources) {
    if (resource.aiFields.length === 0) {
      resources.push(resource);
      continue;
    }
    let current = resource;
    for (const field of resource.aiFields as AiField[]) {
      const request = buildRequest(current, field);
      const key = pinKey(request, options.model);
      const pinned = options.refresh?.(resource.address) ? undefined : pins[key];
      if (pinned) {
        const check = checkAnswer(field, pinned.answer, current, options.checkScript);
        if (check.ok) {
          current = applyAnswer(current, field, check.answer);
          filled.push({ address: resource.address, field, fromPin: true });
          continue;
        }
        diagnostics.push(
          error(
            "CW8006",
            `the pinned AI answer for ${resource.address} is invalid`,
            resource.range,
            {
              address: resource.address,
              detail: `${check.problem}. Run \`clockwork ai refresh ${resource.address}\` or ${
                WHAT_TO_SET[field]
              }.`,
            },
          ),
        );
        continue;
      }
      if (!options.provider) {
        diagnostics.push(
          error("CW8001", `${resource.address} needs AI to fill "${field}"`, resource.range, {
            address: resource.address,
            detail:
              `${
                options.disabledReason ?? "No AI provider is configured"
              } and no answer is pinned in clockwork.lock. ` +
              `Either ${
                WHAT_TO_SET[field]
              } in the resource, or enable an AI provider and plan again.`,
          }),
        );
        continue;
      }
      options.onProgress?.(
        `asking ${options.provider.name} (${options.model}) for ${resource.address} ${field}`,
      );
      const resourceNow = current;
      const asked = await askModel(
        options.provider,
        request,
        (data) => checkAnswer(field, data, resourceNow, options.checkScript),
        options,
      );
      if (!asked.ok) {
        diagnostics.push(error(asked.code, asked.summary, resource.range, {
          address: resource.address,
          detail: `${asked.detail} Nothing was pinned or applied; ${
            WHAT_TO_SET[field]
          } to go on without AI.`,
        }));
        continue;
      }
      const pin: Pin = {
        address: resource.address,
        field,
        provider: options.provider.name,
        model: options.model,
        request,
        answer: asked.answer as Record<string, unknown>,
      };
      pins = replacePin(pins, key, pin);
      pinsChanged = true;
      current = applyAnswer(current, field, asked.answer);
      filled.push({ address: resource.address, field, fromPin: false });
    }
    resources.push(current);
  }
  return { config: { ...config, resources }, pins, pinsChanged, filled, diagnostics };
}

function checkAnswer(
  field: AiField,
  data: unknown,
  resource: ResourceInstance,
  checkScript?: ScriptCheck,
): Checked<AnyAnswer> {
  const validated = validateAnswer(field, data);
  if (!validated.ok) return validated;
  if (field === "script") {
    const answer = validated.answer as { lang: string; script: string };
    // `lang` defaults to bash in the IR, so a script in another language would be mislabelled.
    const lang = resource.attributes.lang;
    if (typeof lang === "string" && answer.lang !== lang) {
      return { ok: false, problem: `lang must be "${lang}", as the resource declares` };
    }
    const problems = checkScript?.({
      lang: answer.lang,
      content: answer.script,
      address: resource.address,
      writes: declaredWrites(resource),
    }) ?? [];
    if (problems.length > 0) {
      return { ok: false, problem: `the script failed the security scan: ${problems.join("; ")}` };
    }
  }
  return validated;
}

/** Merges an answer into the resource; AI suggestions never override what the user set. */
function applyAnswer(
  resource: ResourceInstance,
  field: AiField,
  answer: AnyAnswer,
): ResourceInstance {
  const attributes = { ...resource.attributes };
  const set = (name: string, value: unknown) => {
    if (attributes[name] === undefined || attributes[name] === null) attributes[name] = value;
  };
  if (field === "content") set("content", (answer as { content: string }).content);
  if (field === "image") {
    const a = answer as { image: string; ports?: string[]; env?: Record<string, string> };
    set("image", a.image);
    if (a.ports) set("ports", a.ports);
    if (a.env) {
      const userEnv = (attributes.env ?? {}) as Record<string, unknown>;
      attributes.env = { ...a.env, ...userEnv };
    }
  }
  if (field === "script") {
    const a = answer as { lang: string; script: string };
    set("script", a.script);
    set("lang", a.lang);
  }
  return { ...resource, attributes };
}
