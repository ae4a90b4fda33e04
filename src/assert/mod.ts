// Public surface of src/assert: the assertion kinds and their runner.
export { runAssertion, runAssertions, summarize } from "./runner.ts";
export type {
  AssertionResult,
  ContainerProbe,
  ContainerRef,
  ContainerStats,
  ContainerStatus,
  FileAccess,
  FileFacts,
  RemoteHost,
  RunAssertionsOptions,
} from "./types.ts";
