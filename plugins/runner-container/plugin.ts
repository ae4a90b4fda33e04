/**
 * The container runner: carries out `container` steps (create, delete) and
 * observes containers through docker or podman, and answers the probes
 * container assertions make (inspect, stats, logs). Its Worker may run only
 * the runtime binaries found on this machine; nothing else.
 *
 * A step arrives as the runner contract's `execute` with argv
 * `["container", ACTION]` and the container op as JSON on `stdin`; the
 * answer's stderr is the step log (sensitive values masked here, before
 * anything leaves the Worker) and its stdout is JSON `{observed, error}`.
 */
import {
  definePlugin,
  type Observation,
  type ObservedResource,
  type PluginContext,
  RequestError,
  type Step,
  type StepResult,
} from "../../src/plugins/protocol/mod.ts";
import {
  ContainerError,
  type ContainerInspection,
  containerName,
  type ContainerRef,
  containerSpec,
  MISSING,
  preferredRuntime,
  type Programs,
  runtimeFor,
} from "./runtime.ts";

/** The op a container step carries (src/forge/_template_container.ts). */
interface ContainerOp {
  action: "create" | "delete";
  address: string;
  /** Desired attributes to create, recorded ones to delete. */
  attributes: Record<string, unknown>;
  /** Absolute directory relative volume paths resolve against. */
  baseDir: string;
  /** Attributes whose values never reach the log (masked as "(sensitive)"). */
  sensitive?: string[];
  /** Delete only this container (a replace must not remove its successor), when known. */
  containerId: string | null;
}

function programsOf(context: PluginContext): Programs {
  const given = (context.settings.programs ?? {}) as Record<string, unknown>;
  const programs: Programs = {};
  for (const name of ["docker", "podman"] as const) {
    if (typeof given[name] === "string") programs[name] = given[name] as string;
  }
  return programs;
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

function observedOf(found: ContainerInspection) {
  return {
    running: found.running,
    status: found.status,
    image_id: found.imageId,
    config_digest: found.configDigest,
    id: found.id,
    name: found.name,
  };
}

async function runStep(step: Step, programs: Programs): Promise<StepResult> {
  const started = performance.now();
  let op: ContainerOp;
  try {
    op = JSON.parse(step.stdin ?? "") as ContainerOp;
  } catch {
    throw new RequestError("invalid_params", "a container step carries its op as JSON on stdin");
  }
  const secrets = secretsOf(op);
  const masked = (text: string) =>
    secrets.reduce((out, secret) => out.replaceAll(secret, "(sensitive)"), text);
  let log = "";
  const logLine = (text: string) => log += masked(text);
  const answer = (observed: unknown, error: string | null, timedOut = false): StepResult => ({
    exitCode: error === null ? 0 : 1,
    stdout: JSON.stringify({ observed, error }),
    stderr: log,
    durationMs: Math.round(performance.now() - started),
    ...(timedOut ? { timedOut } : {}),
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const work = (async () => {
      if (op.action === "create") {
        const spec = containerSpec(op.address, op.attributes, op.baseDir);
        return await (await runtimeFor(programs, spec.runtime, logLine)).create(spec);
      }
      const runtime = await runtimeFor(programs, preferredRuntime(op.attributes.runtime), logLine);
      if (op.containerId) await runtime.remove(op.containerId);
      else await runtime.destroy(op.address);
      return null;
    })();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ContainerError(`timed out after ${step.timeoutMs} ms`)),
        step.timeoutMs,
      );
    });
    const outcome = await Promise.race([work, timeout]);
    return answer(outcome ? observedOf(outcome) : null, null);
  } catch (error) {
    if ((error as Error).name === "NotCapable") throw error;
    const message = masked(error instanceof Error ? error.message : String(error));
    logLine(`clockwork: ${message}\n`);
    return answer(null, message, /^timed out/.test(message));
  } finally {
    clearTimeout(timer);
  }
}

async function observeOne(resource: ObservedResource, programs: Programs): Promise<Observation> {
  let runtime;
  try {
    runtime = await runtimeFor(programs, preferredRuntime(resource.attributes.runtime));
  } catch (error) {
    // Nothing can run without a runtime; apply reports the same error on its step.
    if (!(error instanceof ContainerError)) throw error;
    return { exists: false, attributes: { error: error.message } };
  }
  let found = await runtime.inspect({ name: containerName(resource.address, resource.attributes) });
  // Only the address label makes a container ours: a same-named one without
  // it (or with another address's) is someone else's, and ours is missing.
  if (found.exists && found.address !== resource.address) found = MISSING;
  if (!found.exists) found = await runtime.inspect({ address: resource.address });
  if (!found.exists) return { exists: false, attributes: {} };
  return { exists: true, attributes: observedOf(found) };
}

interface ProbeParams {
  ref: ContainerRef;
  runtime?: unknown;
  lines?: number;
}

/** A probe answers `{value}` or `{error}`: a missing container is an assertion's finding, not a fault. */
async function probe<T>(
  params: ProbeParams,
  context: PluginContext,
  read: (runtime: Awaited<ReturnType<typeof runtimeFor>>, ref: ContainerRef) => Promise<T>,
): Promise<{ value: T } | { error: string }> {
  const ref = params.ref;
  if (typeof ref !== "object" || ref === null || !("name" in ref || "address" in ref)) {
    throw new RequestError("invalid_params", "ref must be {name} or {address}");
  }
  try {
    const runtime = await runtimeFor(programsOf(context), preferredRuntime(params.runtime));
    return { value: await read(runtime, ref) };
  } catch (error) {
    if (!(error instanceof Error) || error.name === "NotCapable") throw error;
    return { error: error.message };
  }
}

// inspect, stats and logs are beyond the runner contract (the host passes
// unknown methods through): a variable, not a literal, so they type-check.
const handlers = {
  async observe({ resources }: { resources: ObservedResource[] }, context: PluginContext) {
    const programs = programsOf(context);
    const observations: Record<string, Observation> = {};
    await Promise.all(resources.map(async (r) => {
      try {
        observations[r.address] = await observeOne(r, programs);
      } catch (e) {
        if ((e as Error).name === "NotCapable") throw e;
        observations[r.address] = { exists: false, attributes: {}, error: (e as Error).message };
      }
    }));
    return { observations };
  },
  execute({ step }: { step: Step }, context: PluginContext) {
    if (step.argv[0] !== "container") {
      throw new RequestError("invalid_params", "this runner only runs container steps");
    }
    return runStep(step, programsOf(context));
  },
  inspect(params: ProbeParams, context: PluginContext) {
    return probe(params, context, async (runtime, ref) => {
      const found = await runtime.inspect(ref);
      return {
        exists: found.exists,
        running: found.running,
        status: found.status,
        health: found.health,
        name: found.name,
      };
    });
  },
  stats(params: ProbeParams, context: PluginContext) {
    return probe(params, context, (runtime, ref) => runtime.stats(ref));
  },
  logs(params: ProbeParams, context: PluginContext) {
    const lines = typeof params.lines === "number" ? params.lines : 100;
    return probe(params, context, (runtime, ref) => runtime.logs(ref, lines));
  },
};

definePlugin({ kind: "runner", handlers });
