/**
 * `write_file`, `mkdir` and `remove` done by the executor itself: no
 * subprocess per file, which is what lets 1,000 files apply in well under two
 * seconds. The confinement rule is the sandbox's: an op may touch only paths
 * inside its step's declared writes.
 */
import { basename, dirname, join } from "node:path";
import { type Artifact, artifactBytes, type InProcessOp } from "../forge/mod.ts";
import { exists, insideAny, tooBroad } from "./_grants.ts";
import { octalMode } from "./_observers.ts";

export interface InProcessArtifact {
  readonly content: string;
  readonly sha256: string;
  /** "base64": `content` is the bytes to write, in base64. */
  readonly encoding?: Artifact["encoding"];
}

export class OpError extends Error {}

function isEmptyDir(path: string): boolean {
  return Deno.readDirSync(path)[Symbol.iterator]().next().done === true;
}

let users: Map<string, number> | null = null;
let groups: Map<string, number> | null = null;

function idTable(file: string): Map<string, number> {
  const table = new Map<string, number>();
  try {
    for (const line of Deno.readTextFileSync(file).split("\n")) {
      const [name, , id] = line.split(":");
      if (name && id !== undefined) table.set(name, Number(id));
    }
  } catch { /* no such file: only numeric ids work */ }
  return table;
}

function resolveId(value: string, kind: "user" | "group"): number {
  if (/^\d+$/.test(value)) return Number(value);
  const table = kind === "user"
    ? (users ??= idTable("/etc/passwd"))
    : (groups ??= idTable("/etc/group"));
  const id = table.get(value);
  if (id === undefined) throw new OpError(`unknown ${kind} ${JSON.stringify(value)}`);
  return id;
}

function applyOwnership(path: string, owner?: string | null, group?: string | null): void {
  if (!owner && !group) return;
  Deno.chownSync(
    path,
    owner ? resolveId(owner, "user") : null,
    group ? resolveId(group, "group") : null,
  );
}

/**
 * Runs the ops of one step; returns what was observed right after (for
 * state's `observed`), or throws OpError with a message for the log.
 */
export function runInProcess(
  ops: readonly InProcessOp[],
  writes: readonly string[],
  artifacts: ReadonlyMap<string, InProcessArtifact>,
  /** Receives what the user should hear about a step that succeeded (e.g. a path left in place). */
  notes: string[] = [],
): Record<string, unknown> | null {
  let observed: Record<string, unknown> | null = null;
  for (const op of ops) {
    // Container ops go to the runtime (_container_step.ts) before reaching here.
    if (op.op === "container") throw new OpError(`container ${op.address} cannot run in-process`);
    if (!insideAny(op.path, writes)) {
      throw new OpError(`${op.op} ${op.path} is outside the step's declared writes`);
    }
    switch (op.op) {
      case "write_file": {
        const artifact = artifacts.get(op.artifact);
        if (!artifact) throw new OpError(`missing artifact ${op.artifact}`);
        const bytes = artifactBytes(artifact);
        // Write beside the target and rename: a reader never sees half a file.
        const temp = join(dirname(op.path), `.${basename(op.path)}.cw-${Deno.pid}`);
        const mode = op.mode === null ? undefined : parseInt(op.mode, 8);
        try {
          try {
            Deno.writeFileSync(temp, bytes, { mode: mode ?? 0o644 });
          } catch (e) {
            // Parents are created only when missing: the common case costs no mkdir.
            if (!(e instanceof Deno.errors.NotFound)) throw e;
            Deno.mkdirSync(dirname(op.path), { recursive: true });
            Deno.writeFileSync(temp, bytes, { mode: mode ?? 0o644 });
          }
          if (mode !== undefined) Deno.chmodSync(temp, mode);
          applyOwnership(temp, op.owner, op.group);
          Deno.renameSync(temp, op.path);
        } catch (e) {
          try {
            Deno.removeSync(temp);
          } catch { /* never written */ }
          throw e;
        }
        observed = {
          sha256: artifact.sha256,
          mode: octalMode(Deno.statSync(op.path).mode),
          size: bytes.length,
        };
        break;
      }
      case "mkdir": {
        // Observed once, on the first create, and carried by state afterwards:
        // destroy removes only a directory Clockwork created.
        const created = op.created === undefined ? !exists(op.path) : op.created;
        Deno.mkdirSync(op.path, { recursive: true });
        if (op.mode !== null) Deno.chmodSync(op.path, parseInt(op.mode, 8));
        applyOwnership(op.path, op.owner, op.group);
        observed = {
          mode: octalMode(Deno.statSync(op.path).mode),
          ...(created === null ? {} : { created }),
        };
        break;
      }
      case "remove": {
        if (tooBroad(op.path)) throw new OpError(`refusing to remove ${op.path}`);
        observed = null;
        if (op.created === false) {
          if (exists(op.path)) {
            notes.push(`left ${op.path} in place: it existed before Clockwork managed it`);
          }
          break;
        }
        let info: Deno.FileInfo;
        try {
          info = Deno.lstatSync(op.path);
        } catch (e) {
          if (e instanceof Deno.errors.NotFound) break;
          throw e;
        }
        if (!op.recursive && info.isDirectory && !isEmptyDir(op.path)) {
          notes.push(`left ${op.path} in place: it holds files Clockwork did not create`);
          break;
        }
        try {
          Deno.removeSync(op.path, { recursive: op.recursive });
        } catch (e) {
          if (!(e instanceof Deno.errors.NotFound)) throw e;
        }
        break;
      }
    }
  }
  return observed;
}
