/**
 * The local runner: observes `file` and `directory` resources on this host
 * (exists, sha256, mode, size) and executes steps as subprocesses with a
 * scrubbed environment (only what the step declares), a working directory
 * and a timeout.
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

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

function resolvePath(path: string, configDir: string): string {
  return path.startsWith("/") ? path : `${configDir}/${path}`;
}

async function observeOne(resource: ObservedResource, configDir: string): Promise<Observation> {
  const raw = resource.attributes.path;
  if (typeof raw !== "string" || raw === "") {
    return { exists: false, attributes: {}, error: "no path attribute" };
  }
  if (resource.type !== "file" && resource.type !== "directory") {
    return { exists: false, attributes: {}, error: `cannot observe ${resource.type} resources` };
  }
  const path = resolvePath(raw, configDir);
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { exists: false, attributes: { path: raw } };
    throw e;
  }
  const mode = ((info.mode ?? 0) & 0o7777).toString(8).padStart(4, "0");
  const wanted = resource.type === "file" ? info.isFile : info.isDirectory;
  const attributes: Record<string, unknown> = {
    path: raw,
    mode,
    kind: info.isFile ? "file" : info.isDirectory ? "directory" : "other",
  };
  if (info.isFile) {
    attributes.size = info.size;
    attributes.sha256 = hex(await crypto.subtle.digest("SHA-256", await Deno.readFile(path)));
  }
  return { exists: wanted, attributes };
}

/** Steps running now, by id: `cancel` stops them (a second Ctrl-C). */
const running = new Map<string, () => Promise<unknown>>();

/**
 * Spawns the step in a session of its own (`detached`: a Ctrl-C at the
 * terminal does not reach it). Timeout or `cancel`: SIGTERM, then SIGKILL
 * after `killGraceMs` (0 by default). Only the process started here is
 * signalled; Clockwork starts local steps as `bwrap --unshare-pid
 * --die-with-parent`, so ending it ends everything inside.
 */
async function execute(step: Step & { killGraceMs?: number }): Promise<StepResult> {
  const started = performance.now();
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(step.argv[0], {
      args: step.argv.slice(1),
      ...(step.cwd === "" ? {} : { cwd: step.cwd }),
      env: step.env,
      clearEnv: true,
      detached: true,
      stdin: step.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    if ((e as Error).name === "NotCapable") throw e;
    const message = `${(e as Error).name}: ${(e as Error).message}`;
    return { exitCode: -1, stdout: "", stderr: message, durationMs: performance.now() - started };
  }
  const stdout: Uint8Array[] = [];
  const stderr: Uint8Array[] = [];
  const drain = async (stream: ReadableStream<Uint8Array>, sink: Uint8Array[]) => {
    for await (const chunk of stream) sink.push(chunk);
  };
  const finished = Promise.all([drain(child.stdout, stdout), drain(child.stderr, stderr)])
    .then(() => child.status);
  const grace = Math.max(0, step.killGraceMs ?? 0);
  const signal = (name: Deno.Signal) => {
    try {
      child.kill(name);
    } catch {
      // already gone
    }
  };
  let stopping: Promise<null> | undefined;
  const stop = () =>
    stopping ??= (async () => {
      if (grace > 0) {
        signal("SIGTERM");
        await Promise.race([finished, new Promise((r) => setTimeout(r, grace))]);
      }
      signal("SIGKILL");
      // Children of the step may hold the pipes open; do not wait for them.
      await Promise.race([finished, new Promise((r) => setTimeout(r, 200))]);
      return null;
    })();
  let stopped!: (value: null) => void;
  const stoppedOrCancelled = new Promise<null>((r) => stopped = r);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop().then(stopped);
  }, step.timeoutMs);
  if (step.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(step.stdin)).catch(() => {});
    await writer.close().catch(() => {});
  }
  running.set(step.id, () => stop().then(stopped));
  const status = await Promise.race([finished, stoppedOrCancelled]);
  clearTimeout(timer);
  running.delete(step.id);
  const text = (chunks: Uint8Array[]) => {
    const decoder = new TextDecoder();
    return chunks.map((c) => decoder.decode(c, { stream: true })).join("") + decoder.decode();
  };
  return {
    exitCode: timedOut || !status ? -1 : status.code,
    stdout: text(stdout),
    stderr: text(stderr),
    durationMs: Math.round(performance.now() - started),
    ...(timedOut ? { timedOut } : {}),
  };
}

// `cancel` is beyond the runner contract (the host passes unknown methods
// through): a variable, not a literal, so the extra handler type-checks.
const handlers = {
  async observe({ resources }: { resources: ObservedResource[] }, context: PluginContext) {
    const observations: Record<string, Observation> = {};
    await Promise.all(resources.map(async (r) => {
      try {
        observations[r.address] = await observeOne(r, context.configDir);
      } catch (e) {
        if ((e as Error).name === "NotCapable") throw e;
        observations[r.address] = { exists: false, attributes: {}, error: String(e) };
      }
    }));
    return { observations };
  },
  execute({ step }: { step: Step }) {
    if (step.argv.length === 0) throw new RequestError("invalid_params", "empty argv");
    return execute(step);
  },
  async cancel({ id }: { id?: unknown }) {
    const stop = typeof id === "string" ? running.get(id) : undefined;
    if (stop) await stop();
    return { cancelled: stop !== undefined };
  },
};

definePlugin({ kind: "runner", handlers });
