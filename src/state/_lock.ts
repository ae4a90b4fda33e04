/**
 * The run lock's holder, as this machine sees it, and what to tell a user
 * who finds the state locked.
 *
 * A pid alone does not say whether the run that took a lock is still going:
 * after a reboot or a container restart the same pid belongs to some other
 * process, and a lock left behind would then look held for ever. On Linux,
 * /proc says when a process started and what it runs; a process that started
 * after the lock was taken, or that is plainly not Clockwork, is not the run
 * that holds it.
 */
import { basename } from "node:path";
import type { Diagnostic } from "../hcl/mod.ts";
import { error } from "./_diag.ts";

export interface LockInfo {
  /** The id the holder took the lock under; empty when the lock does not say. */
  readonly id?: string;
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  /** ISO time the run started. */
  readonly started: string;
}

/**
 * - `running`: the holder may well be running (or this machine cannot tell).
 * - `gone`: no process has its pid any more.
 * - `reused`: its pid now belongs to another process.
 * - `elsewhere`: it ran on another host, whose processes cannot be seen here.
 * - `unreadable`: the lock names no holder (an empty or damaged lock file).
 */
export type LockHolderStatus = "running" | "gone" | "reused" | "elsewhere" | "unreadable";

/**
 * How much later than the lock's time a process may appear to have started
 * and still be its holder: /proc/stat gives the boot time in whole seconds,
 * and the wall clock may have been corrected a little since the lock was taken.
 */
const START_TIME_SLACK_MS = 5_000;

/** The kernel's USER_HZ, the unit of /proc/PID/stat times: 100 on every Linux architecture Deno runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

export function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown";
  }
}

/** A lock whose holder cannot be read: the state-file plugin reports pid 0 and no host for one. */
export function lockHolderUnreadable(info: LockInfo): boolean {
  return !Number.isInteger(info.pid) || info.pid <= 0 || info.host === "";
}

interface Inspection {
  readonly status: LockHolderStatus;
  /** For `reused`: what shows that the process is another one. */
  readonly evidence?: string;
}

function inspectHolder(info: LockInfo): Inspection {
  if (lockHolderUnreadable(info)) return { status: "unreadable" };
  if (info.host !== hostName()) return { status: "elsewhere" };
  return inspectProcess(info.pid, Date.parse(info.started));
}

export function lockHolderStatus(info: LockInfo): LockHolderStatus {
  return inspectHolder(info).status;
}

/** Whether the holder is certainly not running any more (so the lock may be removed). */
export function lockHolderDead(info: LockInfo): boolean {
  const status = lockHolderStatus(info);
  return status === "gone" || status === "reused";
}

function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

function inspectProcess(pid: number, lockedAtMs: number): Inspection {
  if (Deno.build.os !== "linux") return { status: "running" }; // no /proc to ask: never steal a live lock
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === null) {
    try {
      Deno.statSync(`/proc/${pid}`);
      return { status: "running" }; // it exists but will not say more
    } catch {
      return { status: "gone" };
    }
  }
  const startedMs = processStartMs(stat);
  if (startedMs !== null && Number.isFinite(lockedAtMs)) {
    // Pids are unique among live processes: one that was already running when
    // the lock was taken is the process that took it.
    if (startedMs <= lockedAtMs + START_TIME_SLACK_MS) return { status: "running" };
    return {
      status: "reused",
      evidence: `the process with pid ${pid} now started ${
        new Date(startedMs).toISOString()
      }, after the lock was taken (the machine or container restarted since)`,
    };
  }
  // No usable times (a lock without its start time): go by what the process runs.
  const argv = readText(`/proc/${pid}/cmdline`);
  const words = argv?.split("\0").filter((a) => a !== "") ?? null;
  if (words !== null && !mayBeClockwork(words, commOf(stat))) {
    return {
      status: "reused",
      evidence: `pid ${pid} now runs ${
        words.length
          ? `\`${words.join(" ").slice(0, 80)}\``
          : "no program (a kernel thread or an exited process)"
      }, which is not Clockwork`,
    };
  }
  return { status: "running" };
}

/** When the process started (ms since the epoch), from its stat line and the boot time. */
function processStartMs(stat: string): number | null {
  // The command name (field 2) is in parentheses and may itself hold spaces and ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[22 - 3]);
  const boot = /^btime (\d+)$/m.exec(readText("/proc/stat") ?? "");
  if (!Number.isFinite(ticks) || boot === null) return null;
  return Number(boot[1]) * 1000 + (ticks / CLOCK_TICKS_PER_SECOND) * 1000;
}

function commOf(stat: string): string {
  return stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
}

/**
 * Whether a process running `argv` could be a Clockwork run: the compiled
 * binary (whatever it is called here), Deno running main.ts, or anything
 * that names clockwork. A process without arguments is a kernel thread or
 * one that has exited (a zombie): no run.
 */
function mayBeClockwork(argv: readonly string[], comm: string): boolean {
  if (argv.length === 0) return false;
  const ownProgram = basename(Deno.execPath());
  const programs = [basename(argv[0]), comm];
  if (programs.some((p) => p === "deno" || p === ownProgram || p.includes("clockwork"))) {
    return true;
  }
  return argv.some((a) => a.toLowerCase().includes("clockwork"));
}

/** The lock file of the file backend as it is on disk (the daemon looks before it plans). */
export function readLockInfo(path: string): LockInfo | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  try {
    const info = JSON.parse(text);
    return {
      id: String(info.id ?? ""),
      pid: Number(info.pid) || 0,
      host: String(info.host ?? ""),
      command: String(info.command ?? ""),
      started: String(info.started ?? info.time ?? ""),
    };
  } catch {
    return { id: "", pid: 0, host: "", command: `unreadable lock file ${path}`, started: "" };
  }
}

export function describeHolder(holder: LockInfo): string {
  return `pid ${holder.pid} on ${holder.host} (\`${holder.command}\`, started ${
    holder.started || "at an unknown time"
  })`;
}

/** The note that tells how to remove a lock whose holder only looks alive. */
export function forceNote(holder: LockInfo, lock: string): string {
  return holder.id
    ? `if that process is not a Clockwork run using this state (its pid was reused after a restart), remove the lock with \`clockwork force-unlock --force ${holder.id}\``
    : `if that process is not a Clockwork run using this state, remove ${lock} yourself: the lock has no id to name to \`clockwork force-unlock --force\``;
}

/**
 * A refused lock, naming the holder; `lock` describes where the lock lives.
 * `endsWithHolder`: the backend releases a lock when its holder disconnects,
 * so a held one has a live holder however its pid looks from here.
 */
export function lockedDiagnostic(
  holder: LockInfo,
  lock: string,
  endsWithHolder = false,
): Diagnostic {
  if (endsWithHolder) {
    return error("CW5010", `The state is locked by ${describeHolder(holder)}`, undefined, {
      detail:
        `another run holds ${lock} and is still connected (the backend releases the lock when its holder disconnects); wait for it to finish`,
      notes: [
        holder.id
          ? `if that run hangs, \`clockwork force-unlock --force ${holder.id}\` ends its session and removes the lock`
          : forceNote(holder, lock),
      ],
    });
  }
  const { status, evidence } = inspectHolder(holder);
  if (status === "unreadable") {
    return error("CW5014", `The state lock ${lock} is unreadable`, undefined, {
      detail:
        "the lock exists but does not say which run holds it: it is empty or damaged, most likely left by a run that was killed while taking it",
      notes: [
        "check that no other run is active, then remove the lock with `clockwork force-unlock`",
      ],
    });
  }
  const who = describeHolder(holder);
  if (status === "gone" || status === "reused") {
    return error(
      "CW5011",
      `The state lock was left by a process that is no longer running: ${who}`,
      undefined,
      {
        detail: status === "gone"
          ? `${lock} remains from a run that died`
          : `${lock} remains from a run that died: ${evidence}`,
        notes: [
          "check that no other run is active, then remove the lock with `clockwork force-unlock`",
        ],
      },
    );
  }
  return error("CW5010", `The state is locked by ${who}`, undefined, {
    detail: `another run holds ${lock}; wait for it to finish`,
    notes: [
      status === "elsewhere"
        ? holder.id
          ? `processes on ${holder.host} cannot be seen from here: once you know that run has ended, remove the lock with \`clockwork force-unlock --force ${holder.id}\``
          : `processes on ${holder.host} cannot be seen from here: once you know that run has ended, remove ${lock} yourself (the lock has no id to name to \`clockwork force-unlock --force\`)`
        : forceNote(holder, lock),
    ],
  });
}
