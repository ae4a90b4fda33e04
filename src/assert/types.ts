/**
 * Assertion results and the probe through which container assertions see the
 * container runtime (implemented in src/exec, which owns process spawning).
 */
import type { Assertion } from "../config/mod.ts";

/** One assertion's outcome; the shape of `assert --json` results. */
export interface AssertionResult {
  /** Owner: the resource instance (`container.web`) or check (`check.site_up`). */
  address: string;
  kind: Assertion["kind"];
  passed: boolean;
  /** What the assertion asked for, in words a user reads ("status 200"). */
  expected: string;
  /** What was seen ("status 503", "connection refused"). */
  actual: string;
  message: string;
  duration_ms: number;
}

/** A container by its Clockwork address (found through its address label) or by name. */
export type ContainerRef = { readonly address: string } | { readonly name: string };

export interface ContainerStatus {
  exists: boolean;
  running: boolean;
  /** Runtime status word: running, exited, created, paused… ("missing" when absent). */
  status: string;
  /** healthy | unhealthy | starting; null when the container has no healthcheck. */
  health: string | null;
  /** The container's name, when it exists. */
  name: string | null;
}

export interface ContainerStats {
  memoryBytes: number;
  cpuPercent: number;
}

/** What container assertions need from a container runtime. */
export interface ContainerProbe {
  inspect(ref: ContainerRef): Promise<ContainerStatus>;
  stats(ref: ContainerRef): Promise<ContainerStats>;
  /** The last `lines` lines of the container's output (stdout and stderr). */
  logs(ref: ContainerRef, lines: number): Promise<string>;
}

/** What the file assertions learn about a path, following symbolic links. */
export interface FileFacts {
  isFile: boolean;
  isDirectory: boolean;
  size: number;
  /** Permission bits (`0o7777`), or null where the system does not say. */
  mode: number | null;
  uid: number | null;
  gid: number | null;
}

/**
 * How file assertions read the machine they check: this one (Deno's file
 * APIs) or a `host` through its runner plugin (src/cli).
 */
export interface FileAccess {
  /** Null when nothing is at `path`. */
  stat(path: string): Promise<FileFacts | null>;
  /** The file's text and its size in bytes; null when missing, "directory" for a directory. */
  readText(path: string): Promise<{ text: string; bytes: number } | null | "directory">;
  /** The file's SHA-256 in hex; null when missing, "directory" for a directory. */
  sha256(path: string): Promise<string | null | "directory">;
  /** A text file that may be missing or unreadable (account tables): "" then. */
  readOptional(path: string): Promise<string>;
}

/** One process as /proc describes it. */
export interface ProcessInfo {
  pid: number;
  /** The kernel's name for it (at most 15 bytes). */
  comm: string;
  /** The file name of argv[0]. */
  argv0: string;
  /** One-letter state: R, S, D, Z (zombie), X (dead)… */
  state: string;
  /** utime + stime in clock ticks. */
  cpuTicks: number;
}

/** The filesystem holding a path, counted as df counts it. */
export interface FilesystemUsage {
  usedBytes: number;
  /** Used plus available to ordinary users (root's reserve left out). */
  sizeBytes: number;
}

/**
 * How process and disk assertions read the machine they check: this one
 * (/proc and Deno's file APIs) or a `host` through its runner plugin.
 */
export interface SystemAccess {
  /** Every process (zombies included), or only those of `pids` that still exist. */
  processes(pids?: readonly number[]): Promise<ProcessInfo[]>;
  /** Resident memory of each of `pids`, in bytes (0 for one that has ended). */
  residentBytes(pids: readonly number[]): Promise<number[]>;
  /** Null when nothing is at `path`. */
  filesystem(path: string): Promise<FilesystemUsage | null>;
  /** Bytes `path` takes on disk (allocated blocks, as du counts them); null when missing. */
  diskBytes(path: string): Promise<number | null>;
}

/** Where the assertions of a resource on a `host` are checked. */
export interface RemoteHost {
  readonly name: string;
  readonly files: FileAccess;
  readonly system: SystemAccess;
}

export interface RunAssertionsOptions {
  /** Needed by container assertions; without it they fail with a clear message. */
  probe?: ContainerProbe;
  /**
   * The host an assertion's resource runs on, or undefined for this machine.
   * File, process and disk assertions are checked on that host; network
   * ones (http, port, response_time) from here, as their URL or address names
   * the target; container kinds fail, saying they cannot be checked on a host.
   */
  hostOf?: (assertion: Assertion) => RemoteHost | undefined;
  /** How many assertions run at once (default 8). */
  concurrency?: number;
  /** Called as each final result arrives (apply streams them as events). */
  onResult?: (result: AssertionResult) => void;
  /**
   * Re-run failing assertions until they pass or this much time has gone by
   * (default 0: no retry). Apply uses it because what it just started may
   * need a moment before it answers.
   */
  retryFailedForMs?: number;
  /** Only these kinds are retried (default: every kind). */
  retryKinds?: ReadonlySet<string>;
  /** Pause between retries (default 500 ms). */
  retryIntervalMs?: number;
}

/** What a single check decides; the runner adds address, kind and timing. */
export interface Verdict {
  passed: boolean;
  expected: string;
  actual: string;
  message: string;
  /** A failure that waiting cannot change (no healthcheck, invalid arguments): not retried. */
  final?: boolean;
}
