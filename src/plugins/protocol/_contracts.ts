/**
 * What each kind of plugin answers: the methods, their parameter and result
 * schemas, and a typed client over any `call` function (the host provides it).
 */
import * as v from "valibot";
import type { PluginKind } from "./_manifest.ts";

// ── state backend ───────────────────────────────────────────────────────────

export const LockInfoSchema = v.object({
  id: v.string(),
  pid: v.number(),
  host: v.string(),
  time: v.string(),
  command: v.string(),
});
export type LockInfo = v.InferOutput<typeof LockInfoSchema>;

export const StateReadParams = v.object({});
/** The stored document as text (usually JSON), or null when there is none. */
export const StateReadResult = v.object({ content: v.nullable(v.string()) });
export const StateWriteParams = v.object({ content: v.string() });
export const StateWriteResult = v.object({ bytes: v.number() });
export const StateLockParams = v.object({ info: LockInfoSchema });
export const StateLockResult = v.object({
  acquired: v.boolean(),
  /** Who holds the lock when it was not acquired. */
  holder: v.optional(v.nullable(LockInfoSchema)),
});
export const StateUnlockParams = v.object({
  /** The id given to `lock`; `force` releases whoever holds it. */
  id: v.string(),
  force: v.optional(v.boolean()),
});
export const StateUnlockResult = v.object({ released: v.boolean() });

/**
 * The journal: records of steps finished since the document was last
 * compacted, so recording a step costs one small durable append instead of a
 * rewrite of the whole document. Records are opaque single-line texts (the
 * state layer puts a checksum in each); the backend keeps their order.
 */
const JournalRecord = v.pipe(v.string(), v.regex(/^[^\n]*$/, "must be one line"));
/** Appends records in order; durable when it answers (one fsync or commit per call). */
export const StateAppendParams = v.object({ records: v.array(JournalRecord) });
export const StateAppendResult = v.object({ count: v.number() });
export const StateReadJournalParams = v.object({});
export const StateReadJournalResult = v.object({
  records: v.array(v.string()),
  /** A partly written last record (a crash mid-append) was dropped. */
  torn: v.optional(v.boolean()),
});
/**
 * Replaces the document and empties the journal as one step: afterwards
 * `read` gives `content` and `readJournal` nothing. A backend that cannot do
 * both atomically replaces the document first; the state layer recognizes a
 * journal left behind by the serial it started from.
 */
export const StateCompactParams = v.object({ content: v.string() });
export const StateCompactResult = v.object({ bytes: v.number() });

// ── runner ──────────────────────────────────────────────────────────────────

export const ObservedResourceSchema = v.object({
  address: v.string(),
  type: v.string(),
  attributes: v.record(v.string(), v.unknown()),
});
export type ObservedResource = v.InferOutput<typeof ObservedResourceSchema>;
export const ObservationSchema = v.object({
  exists: v.boolean(),
  attributes: v.record(v.string(), v.unknown()),
  /** Set when this resource could not be observed (others still are). */
  error: v.optional(v.string()),
});
export type Observation = v.InferOutput<typeof ObservationSchema>;
export const RunnerObserveParams = v.object({ resources: v.array(ObservedResourceSchema) });
export const RunnerObserveResult = v.object({
  observations: v.record(v.string(), ObservationSchema),
});

export const StepSchema = v.object({
  id: v.string(),
  argv: v.pipe(v.array(v.string()), v.minLength(1)),
  env: v.record(v.string(), v.string()),
  cwd: v.string(),
  timeoutMs: v.pipe(v.number(), v.minValue(1)),
  stdin: v.optional(v.string()),
});
export type Step = v.InferOutput<typeof StepSchema>;
export const RunnerExecuteParams = v.object({ step: StepSchema });
export const StepResultSchema = v.object({
  /** -1 when the step was killed (timeout) or could not start. */
  exitCode: v.number(),
  stdout: v.string(),
  stderr: v.string(),
  durationMs: v.number(),
  timedOut: v.optional(v.boolean()),
});
export type StepResult = v.InferOutput<typeof StepResultSchema>;

// ── AI provider ─────────────────────────────────────────────────────────────

export const ChatMessageSchema = v.object({
  role: v.picklist(["system", "user", "assistant"]),
  content: v.string(),
});
export type ChatMessage = v.InferOutput<typeof ChatMessageSchema>;
export const AiCompleteParams = v.object({
  model: v.string(),
  messages: v.array(ChatMessageSchema),
  /** A JSON Schema the answer must satisfy. */
  schema: v.record(v.string(), v.unknown()),
  stream: v.optional(v.boolean()),
});
export const AiCompleteResult = v.object({ content: v.string(), model: v.string() });
export const AiListModelsParams = v.object({});
export const AiListModelsResult = v.object({
  models: v.array(v.object({ name: v.string(), size: v.optional(v.number()) })),
});

// ── the method table ────────────────────────────────────────────────────────

type Schema = v.GenericSchema;
interface MethodContract {
  readonly params: Schema;
  readonly result: Schema;
}

export const CONTRACTS = {
  state: {
    read: { params: StateReadParams, result: StateReadResult },
    write: { params: StateWriteParams, result: StateWriteResult },
    lock: { params: StateLockParams, result: StateLockResult },
    unlock: { params: StateUnlockParams, result: StateUnlockResult },
    append: { params: StateAppendParams, result: StateAppendResult },
    readJournal: { params: StateReadJournalParams, result: StateReadJournalResult },
    compact: { params: StateCompactParams, result: StateCompactResult },
  },
  runner: {
    observe: { params: RunnerObserveParams, result: RunnerObserveResult },
    execute: { params: RunnerExecuteParams, result: StepResultSchema },
  },
  ai: {
    complete: { params: AiCompleteParams, result: AiCompleteResult },
    listModels: { params: AiListModelsParams, result: AiListModelsResult },
  },
} as const satisfies Record<PluginKind, Record<string, MethodContract>>;

export type Contracts = typeof CONTRACTS;
export type MethodName<K extends PluginKind> = keyof Contracts[K] & string;
export type ParamsOf<K extends PluginKind, M extends MethodName<K>> = Contracts[K][M] extends
  { params: infer P extends Schema } ? v.InferInput<P> : never;
export type ResultOf<K extends PluginKind, M extends MethodName<K>> = Contracts[K][M] extends
  { result: infer R extends Schema } ? v.InferOutput<R> : never;

export function methodsOf(kind: PluginKind): string[] {
  return Object.keys(CONTRACTS[kind]);
}

export function contractOf(kind: PluginKind, method: string): MethodContract | undefined {
  return (CONTRACTS[kind] as Record<string, MethodContract>)[method];
}

export interface CallOptions {
  /** Milliseconds; the host's default (30 s) when absent. */
  readonly timeoutMs?: number;
}

/** A typed handle on one plugin of kind K. */
export type PluginClient<K extends PluginKind> =
  & {
    readonly name: string;
    readonly kind: K;
  }
  & {
    [M in MethodName<K>]: (
      params: ParamsOf<K, M>,
      options?: CallOptions,
    ) => Promise<ResultOf<K, M>>;
  };

export type StateBackend = PluginClient<"state">;
export type Runner = PluginClient<"runner">;
export type AiProvider = PluginClient<"ai">;
