/**
 * Container steps are not sandboxed scripts: docker/podman need to write
 * their own storage, cgroups and network state (the runtime is the
 * confinement here). runBundle hands them to its `runContainer` hook (the CLI
 * passes the runner-container plugin); without it they fail.
 */
import type { BundleStep } from "../forge/mod.ts";

/** The in-process op a container step carries (see src/forge/_template_container.ts). */
export interface ContainerOp {
  op: "container";
  action: "create" | "delete";
  address: string;
  /** The container's attributes: desired ones to create, recorded ones to delete. */
  attributes: Record<string, unknown>;
  /** Directory relative volume paths resolve against. */
  baseDir: string;
  /** Attributes whose values never reach the log (masked as "(sensitive)"). */
  sensitive?: string[];
  /** Delete only this container (a replace must not remove its successor), when known. */
  containerId: string | null;
}

export function containerOpOf(step: BundleStep): ContainerOp | null {
  const ops = (step.inProcess ?? []) as unknown as { op: string }[];
  const op = ops.find((o) => o.op === "container");
  return op ? op as unknown as ContainerOp : null;
}

export function isContainerStep(step: BundleStep): boolean {
  return containerOpOf(step) !== null;
}
