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

export interface RunAssertionsOptions {
  /** Needed by container assertions; without it they fail with a clear message. */
  probe?: ContainerProbe;
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
}
