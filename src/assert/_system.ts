/**
 * Processes (from /proc, Linux) and disk usage (filesystem statistics). No
 * process is spawned here: src/exec owns spawning.
 */
import { statfs } from "node:fs/promises";
import { basename, join } from "node:path";
import { type Args, ArgumentError, mb, MIB } from "./_args.ts";
import type { Verdict } from "./types.ts";

/** Linux reports /proc/<pid>/stat times in clock ticks of 1/100 s on every common architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcessInfo {
  pid: number;
  comm: string;
  argv0: string;
  state: string;
  /** utime + stime in clock ticks. */
  cpuTicks: number;
}

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return null; // the process ended while we looked
  }
}

async function readProcess(pid: number): Promise<ProcessInfo | null> {
  const stat = await readOrNull(`/proc/${pid}/stat`);
  if (stat === null) return null;
  const open = stat.indexOf("(");
  const close = stat.lastIndexOf(")");
  if (open < 0 || close < 0) return null;
  const fields = stat.slice(close + 2).split(" ");
  const cmdline = await readOrNull(`/proc/${pid}/cmdline`) ?? "";
  return {
    pid,
    comm: stat.slice(open + 1, close),
    argv0: basename(cmdline.split("\0")[0] ?? ""),
    state: fields[0] ?? "?",
    cpuTicks: Number(fields[11]) + Number(fields[12]),
  };
}

function procAvailable(): boolean {
  try {
    return Deno.statSync("/proc/self/stat").isFile;
  } catch {
    return false;
  }
}

/** The kernel truncates comm to 15 bytes, so a longer name matches on its prefix too. */
export function processMatches(info: ProcessInfo, name: string): boolean {
  if (info.argv0 === name || info.comm === name) return true;
  return name.length > 15 && info.comm === name.slice(0, 15);
}

/** Live (non-zombie) processes called `name`. */
export async function findProcesses(name: string): Promise<ProcessInfo[]> {
  if (!procAvailable()) {
    throw new Error("process assertions read /proc, which this system does not have");
  }
  const pids: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (/^\d+$/.test(entry.name)) pids.push(Number(entry.name));
  }
  const infos = await Promise.all(pids.map(readProcess));
  return infos.filter((info): info is ProcessInfo =>
    info !== null && info.state !== "Z" && info.state !== "X" && processMatches(info, name)
  );
}

export async function checkProcessRunning(args: Args): Promise<Verdict> {
  const name = args.string("name");
  const minCount = args.number("min_count", 1);
  const found = await findProcesses(name);
  const expected = minCount === 1
    ? `a process "${name}"`
    : `at least ${minCount} processes "${name}"`;
  const passed = found.length >= minCount;
  return {
    passed,
    expected,
    actual: `${found.length} running`,
    message: passed
      ? `${found.length} process(es) "${name}" running (pid ${found.map((p) => p.pid).join(", ")})`
      : `${found.length} process(es) "${name}" running, expected at least ${minCount}`,
  };
}

export async function checkProcessNotRunning(args: Args): Promise<Verdict> {
  const name = args.string("name");
  const found = await findProcesses(name);
  const passed = found.length === 0;
  return {
    passed,
    expected: `no process "${name}"`,
    actual: `${found.length} running`,
    message: passed
      ? `no process "${name}" is running`
      : `process "${name}" is running (pid ${found.map((p) => p.pid).join(", ")})`,
  };
}

async function residentBytes(pid: number): Promise<number> {
  const status = await readOrNull(`/proc/${pid}/status`);
  const match = status ? /^VmRSS:\s+(\d+)\s+kB/m.exec(status) : null;
  return match ? Number(match[1]) * 1024 : 0;
}

async function requireProcesses(name: string): Promise<ProcessInfo[]> {
  const found = await findProcesses(name);
  if (found.length === 0) throw new NotRunning(`process "${name}"`);
  return found;
}

export class NotRunning extends Error {
  constructor(what: string) {
    super(`${what} is not running`);
  }
}

/** Resident memory summed over every process called `name`. */
export async function processMemoryBytes(name: string): Promise<number> {
  const found = await requireProcesses(name);
  const sizes = await Promise.all(found.map((p) => residentBytes(p.pid)));
  return sizes.reduce((a, b) => a + b, 0);
}

/** CPU use of every process called `name`, in percent of one CPU, over `sampleMs`. */
export async function processCpuPercent(name: string, sampleMs: number): Promise<number> {
  const before = await requireProcesses(name);
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  const after = await Promise.all(before.map((p) => readProcess(p.pid)));
  const elapsedSeconds = (performance.now() - started) / 1000;
  let ticks = 0;
  after.forEach((now, i) => {
    if (now) ticks += Math.max(0, now.cpuTicks - before[i]!.cpuTicks);
  });
  return (ticks / CLOCK_TICKS_PER_SECOND / elapsedSeconds) * 100;
}

/** Bytes a path occupies on disk (allocated blocks, as du counts them), symlinks not followed. */
export async function diskBytes(path: string): Promise<number> {
  const info = await Deno.lstat(path);
  const own = info.blocks !== null ? info.blocks * 512 : info.size;
  if (!info.isDirectory) return own;
  let total = own;
  for await (const entry of Deno.readDir(path)) {
    try {
      total += await diskBytes(join(path, entry.name));
    } catch { /* vanished or unreadable while walking */ }
  }
  return total;
}

/**
 * `max_percent`: how full the filesystem holding `path` may be (as df counts
 * it); `max_mb`: how much space `path` itself may take (as du counts it).
 */
export async function checkDiskUsage(args: Args): Promise<Verdict> {
  const path = args.path("path");
  const maxPercent = args.number("max_percent", null);
  const maxMb = args.number("max_mb", null);
  if (maxPercent === null && maxMb === null) {
    throw new ArgumentError(`disk_usage needs "max_percent", "max_mb" or both`);
  }
  const expectedParts: string[] = [];
  if (maxPercent !== null) expectedParts.push(`filesystem at most ${maxPercent}% full`);
  if (maxMb !== null) expectedParts.push(`path at most ${maxMb} MB`);
  const expected = expectedParts.join(", ");
  const actualParts: string[] = [];
  const problems: string[] = [];
  try {
    if (maxPercent !== null) {
      const stats = await statfs(path);
      const usedBytes = (stats.blocks - stats.bfree) * stats.bsize;
      // As df computes it: blocks reserved for root count as neither used nor available.
      const total = usedBytes + stats.bavail * stats.bsize;
      const percent = total === 0 ? 0 : Math.round((usedBytes / total) * 1000) / 10;
      actualParts.push(`filesystem ${percent}% full`);
      if (percent > maxPercent) {
        problems.push(`filesystem is ${percent}% full, over ${maxPercent}%`);
      }
    }
    if (maxMb !== null) {
      const bytes = await diskBytes(path);
      actualParts.push(`path ${mb(bytes)}`);
      if (bytes > maxMb * MIB) problems.push(`takes ${mb(bytes)}, over ${maxMb} MB`);
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    const actual = error instanceof Deno.errors.NotFound || code === "ENOENT"
      ? "missing"
      : String(error);
    return { passed: false, expected, actual, message: `cannot measure ${path}: ${actual}` };
  }
  return {
    passed: problems.length === 0,
    expected,
    actual: actualParts.join(", "),
    message: problems.length === 0
      ? `${path}: ${actualParts.join(", ")}`
      : `${path}: ${problems.join("; ")}`,
  };
}
