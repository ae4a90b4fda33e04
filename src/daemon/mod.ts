/**
 * Public surface of src/daemon: the watch loop, drift classification, the
 * auto-fix policy and the repair budget. The pipeline stages come in through
 * `DaemonPipeline`, so the loop runs the very same plan and apply as the CLI.
 */
export * from "./types.ts";
export { EXIT as DAEMON_EXIT, HOUR_MS, runDaemon } from "./_loop.ts";
export {
  classify,
  decide,
  type Decision,
  describe,
  type Difference,
  differences,
  subsetPlan,
} from "./_policy.ts";
export { RepairBudget } from "./_budget.ts";
export { configFingerprint, parseDuration, Waker } from "./_watch.ts";
