/**
 * Public surface of src/exec: the only place that spawns processes. Observes
 * live resources and runs artifact bundles in the sandbox.
 */
import {
  type Observation,
  type ObserveItem,
  type ObserveOptions,
  OBSERVERS,
} from "./_observers.ts";

export { OBSERVERS, octalMode } from "./_observers.ts";
export type { Observation, ObserveItem, ObserveOptions, Observer } from "./_observers.ts";
export {
  type LocalLaunch,
  type LocalOutcome,
  runBundle,
  type RunOptions,
  type RunResult,
  safeStepName,
  type StepResult,
  type StepStatus,
} from "./_run.ts";
export { bwrapAvailable, type SandboxMode } from "./_sandbox.ts";
export { inside, insideAny, tooBroad } from "./_grants.ts";
export type { ContainerOp } from "./_container_step.ts";

/**
 * What exists now for each item, in input order. Types with no observer
 * (e.g. `command`, `task`: nothing to look at) come back `exists: true` with
 * no attributes, so the planner relies on the record alone for them.
 */
export async function observe(
  items: readonly ObserveItem[],
  options: ObserveOptions = {},
): Promise<Observation[]> {
  const out: Observation[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      const item = items[index];
      const observer = OBSERVERS[item.type];
      out[index] = observer
        ? await observer(item, options)
        : { address: item.address, exists: true, attributes: {} };
    }
  };
  const width = Math.max(1, Math.min(options.concurrency ?? 64, items.length));
  await Promise.all(Array.from({ length: width }, worker));
  return out;
}
