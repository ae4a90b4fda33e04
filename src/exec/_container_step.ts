/**
 * Container steps: the executor drives the runtime itself instead of spawning
 * a sandboxed script, because docker/podman need to write their own storage,
 * cgroups and network state (the runtime is the confinement here). Every
 * runtime command and its output go to the step log.
 */
import { join } from "node:path";
import type { BundleStep } from "../forge/mod.ts";
import type { StepResult } from "./_run.ts";
import { applyContainer, ContainerError, destroyContainer } from "./container.ts";

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

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, "_");
}

/** Runs a container step; failures come back as a failed StepResult with the reason. */
export async function runContainerStep(step: BundleStep, logDir: string): Promise<StepResult> {
  const started = performance.now();
  const op = containerOpOf(step)!;
  await Deno.mkdir(logDir, { recursive: true, mode: 0o700 });
  const logPath = join(logDir, `${safeName(step.id)}.log`);
  const log = await Deno.open(logPath, { write: true, create: true, truncate: true, mode: 0o600 });
  const encoder = new TextEncoder();
  const write = (text: string) => {
    const bytes = encoder.encode(text);
    let offset = 0;
    while (offset < bytes.length) offset += log.writeSync(bytes.subarray(offset));
  };
  const secrets = secretsOf(op);
  const masked = (text: string) =>
    secrets.reduce((out, secret) => out.replaceAll(secret, "(sensitive)"), text);
  const logLine = (text: string) => write(masked(text));
  const base = { step, logPath, timedOut: false, spawned: true };
  try {
    const work = op.action === "create"
      ? applyContainer(op.address, op.attributes, { baseDir: op.baseDir, log: logLine })
      : destroyContainer(op.address, op.attributes, { log: logLine, onlyId: op.containerId });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ContainerError(`timed out after ${step.timeoutMs} ms`)),
        step.timeoutMs,
      );
    });
    const outcome = await Promise.race([work, timeout]).finally(() => clearTimeout(timer));
    const observed = outcome
      ? {
        running: outcome.running,
        status: outcome.status,
        image_id: outcome.imageId,
        config_digest: outcome.configDigest,
        id: outcome.id,
        name: outcome.name,
      }
      : null;
    return {
      ...base,
      status: "ok",
      durationMs: performance.now() - started,
      exitCode: 0,
      message: null,
      observed,
    };
  } catch (error) {
    const message = masked(error instanceof Error ? error.message : String(error));
    logLine(`clockwork: ${message}\n`);
    return {
      ...base,
      status: "failed",
      durationMs: performance.now() - started,
      exitCode: null,
      timedOut: /^timed out/.test(message),
      message,
      observed: null,
    };
  } finally {
    log.close();
  }
}

/** Every string inside the sensitive attributes, longest first so overlaps mask whole. */
function secretsOf(op: ContainerOp): string[] {
  const found = new Set<string>();
  const visit = (value: unknown) => {
    if (typeof value === "string" && value !== "") found.add(value);
    else if (typeof value === "number") found.add(String(value));
    else if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === "object") Object.values(value).forEach(visit);
  };
  for (const name of op.sensitive ?? []) visit(op.attributes[name.split(".")[0]!]);
  return [...found].sort((a, b) => b.length - a.length);
}
