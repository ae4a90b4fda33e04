/**
 * AI assistance: fills `description`-only resources with validated, pinned
 * answers from a local model. The core never needs it.
 */
export {
  type AiField,
  answerJsonSchema,
  ContainerImageAnswer,
  FileContentAnswer,
  IMAGE_REFERENCE,
  type Runbook,
  RunbookAnswer,
  TaskScriptAnswer,
  validateAnswer,
} from "./_answers.ts";
export { extractJson, stripThinking } from "./_extract.ts";
export { type AiRequest, buildMessages, buildRequest, type ChatMessage } from "./_prompts.ts";
export {
  completeConfig,
  type CompletionOptions,
  type CompletionResult,
  type FilledValue,
  type ScriptCheck,
} from "./complete.ts";
export {
  LOCK_FILE,
  type Pin,
  pinKey,
  type PinTable,
  readPins,
  removePins,
  replacePin,
  writePins,
} from "./pins.ts";
export {
  checkRunbook,
  type Proposal,
  type ProposalOptions,
  proposeRunbook,
  runbookRequest,
  type UnfixedDifference,
} from "./propose.ts";
export {
  type AiProvider,
  type CompletionAnswer,
  type CompletionRequest,
  ProviderError,
} from "./provider.ts";
