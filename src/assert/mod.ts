// Public surface of src/assert: the assertion kinds and their runner.
export { runAssertion, runAssertions, summarize } from "./runner.ts";
export { parseProcStat } from "./_system.ts";
export type {
  AssertionResult,
  ContainerProbe,
  ContainerRef,
  ContainerStats,
  ContainerStatus,
  FileAccess,
  FileFacts,
  FilesystemUsage,
  ProcessInfo,
  RemoteHost,
  RunAssertionsOptions,
  SystemAccess,
} from "./types.ts";
