/**
 * Processes (from /proc, Linux) and disk usage (filesystem statistics), on
 * this machine (LOCAL_SYSTEM) or on a host through the access the caller
 * gives. No process is spawned here: src/exec owns spawning.
 */
import { statfs } from "node:fs/promises";
import { basename, join } from "node:path";
import { type Args, ArgumentError, mb, MIB } from "./_args.ts";
import type { FilesystemUsage, ProcessInfo, SystemAccess, Verdict } from "./types.ts";

/** Linux reports /proc/<pid>/stat times in clock ticks of 1/100 s on every common architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return null; // the process ended while we looked
  }
}

/**
 * One `/proc/<pid>/stat` line and the process's `cmdline`. The command name
 * sits in parentheses and may itself hold spaces and parentheses, so the
 * fields are counted from the last ")".
 */
export function parseProcStat(stat: string, cmdline: string): ProcessInfo | null {
  const open = stat.indexOf("(");
  const close = stat.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  const pid = Number(stat.slice(0, open).trim());
  const fields = stat.slice(close + 2).split(" ");
  const cpuTicks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isInteger(pid) || !Number.isFinite(cpuTicks)) return null;
  return {
    pid,
    comm: stat.slice(open + 1, close),
    argv0: basename(cmdline.split("\0")[0] ?? ""),
    state: fields[0] ?? "?",
    cpuTicks,
  };
}

async function readProcess(pid: number): Promise<ProcessInfo | null> {
  const stat = await readOrNull(`/proc/${pid}/stat`);
  if (stat === null) return null;
  return parseProcStat(stat, await readOrNull(`/proc/${pid}/cmdline`) ?? "");
}

function procAvailable(): boolean {
  try {
    return Deno.statSync("/proc/self/stat").isFile;
  } catch {
    return false;
  }
}

/** Bytes a path occupies on disk (allocated blocks, as du counts them), symlinks not followed. */
async function localDiskBytes(path: string): Promise<number> {
  const info = await Deno.lstat(path);
  const own = info.blocks !== null ? info.blocks * 512 : info.size;
  if (!info.isDirectory) return own;
  let total = own;
  for await (const entry of Deno.readDir(path)) {
    try {
      total += await localDiskBytes(join(path, entry.name));
    } catch { /* vanished or unreadable while walking */ }
  }
  return total;
}

function isMissing(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound || (error as { code?: string }).code === "ENOENT";
}

export const LOCAL_SYSTEM: SystemAccess = {
  async processes(pids) {
    if (!procAvailable()) {
      throw new Error("process assertions read /proc, which this system does not have");
    }
    let wanted = pids;
    if (wanted === undefined) {
      const all: number[] = [];
      for await (const entry of Deno.readDir("/proc")) {
        if (/^\d+$/.test(entry.name)) all.push(Number(entry.name));
      }
      wanted = all;
    }
    const infos = await Promise.all(wanted.map(readProcess));
    return infos.filter((info): info is ProcessInfo => info !== null);
  },
  async residentBytes(pids) {
    return await Promise.all(pids.map(async (pid) => {
      const status = await readOrNull(`/proc/${pid}/status`);
      const match = status ? /^VmRSS:\s+(\d+)\s+kB/m.exec(status) : null;
      return match ? Number(match[1]) * 1024 : 0;
    }));
  },
  async filesystem(path) {
    try {
      const stats = await statfs(path);
      const usedBytes = (stats.blocks - stats.bfree) * stats.bsize;
      // As df computes it: blocks reserved for root count as neither used nor available.
      return { usedBytes, sizeBytes: usedBytes + stats.bavail * stats.bsize };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  },
  async diskBytes(path) {
    try {
      return await localDiskBytes(path);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  },
};

/** The kernel truncates comm to 15 bytes, so a longer name matches on its prefix too. */
export function processMatches(info: ProcessInfo, name: string): boolean {
  if (info.argv0 === name || info.comm === name) return true;
  return name.length > 15 && info.comm === name.slice(0, 15);
}

/** Live (non-zombie) processes called `name`. */
export async function findProcesses(system: SystemAccess, name: string): Promise<ProcessInfo[]> {
  const all = await system.processes();
  return all.filter((info) =>
    info.state !== "Z" && info.state !== "X" && processMatches(info, name)
  );
}

export async function checkProcessRunning(args: Args, system: SystemAccess): Promise<Verdict> {
  const name = args.string("name");
  const minCount = args.number("min_count", 1);
  const found = await findProcesses(system, name);
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

export async function checkProcessNotRunning(
  args: Args,
  system: SystemAccess,
): Promise<Verdict> {
  const name = args.string("name");
  const found = await findProcesses(system, name);
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

async function requireProcesses(system: SystemAccess, name: string): Promise<ProcessInfo[]> {
  const found = await findProcesses(system, name);
  if (found.length === 0) throw new NotRunning(`process "${name}"`);
  return found;
}

export class NotRunning extends Error {
  constructor(what: string) {
    super(`${what} is not running`);
  }
}

/** Resident memory summed over every process called `name`. */
export async function processMemoryBytes(system: SystemAccess, name: string): Promise<number> {
  const found = await requireProcesses(system, name);
  const sizes = await system.residentBytes(found.map((p) => p.pid));
  return sizes.reduce((a, b) => a + b, 0);
}

/** CPU use of every process called `name`, in percent of one CPU, over `sampleMs`. */
export async function processCpuPercent(
  system: SystemAccess,
  name: string,
  sampleMs: number,
): Promise<number> {
  const before = await requireProcesses(system, name);
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  const after = await system.processes(before.map((p) => p.pid));
  const elapsedSeconds = (performance.now() - started) / 1000;
  const ticksBefore = new Map(before.map((p) => [p.pid, p.cpuTicks]));
  let ticks = 0;
  for (const now of after) {
    const then = ticksBefore.get(now.pid);
    if (then !== undefined) ticks += Math.max(0, now.cpuTicks - then);
  }
  return (ticks / CLOCK_TICKS_PER_SECOND / elapsedSeconds) * 100;
}

/**
 * `max_percent`: how full the filesystem holding `path` may be (as df counts
 * it); `max_mb`: how much space `path` itself may take (as du counts it).
 */
export async function checkDiskUsage(args: Args, system: SystemAccess): Promise<Verdict> {
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
      const usage = await system.filesystem(path);
      if (usage === null) return missingPath(path, expected);
      const percent = percentFull(usage);
      actualParts.push(`filesystem ${percent}% full`);
      if (percent > maxPercent) {
        problems.push(`filesystem is ${percent}% full, over ${maxPercent}%`);
      }
    }
    if (maxMb !== null) {
      const bytes = await system.diskBytes(path);
      if (bytes === null) return missingPath(path, expected);
      actualParts.push(`path ${mb(bytes)}`);
      if (bytes > maxMb * MIB) problems.push(`takes ${mb(bytes)}, over ${maxMb} MB`);
    }
  } catch (error) {
    const actual = error instanceof Error ? error.message : String(error);
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

function percentFull({ usedBytes, sizeBytes }: FilesystemUsage): number {
  return sizeBytes === 0 ? 0 : Math.round((usedBytes / sizeBytes) * 1000) / 10;
}

function missingPath(path: string, expected: string): Verdict {
  return { passed: false, expected, actual: "missing", message: `cannot measure ${path}: missing` };
}
