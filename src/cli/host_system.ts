/**
 * Process and disk assertions of resources on a `host`, checked on that host:
 * each question is one small POSIX sh script (cat, head, grep, df, du, which
 * GNU coreutils and BusyBox both have) whose answer src/assert then judges
 * exactly as it judges this machine's.
 */
import {
  type FilesystemUsage,
  parseProcStat,
  type ProcessInfo,
  type SystemAccess,
} from "../assert/mod.ts";

/** Runs `script` with `args` as $1… on the host and returns its standard output. */
export type AskHost = (script: string, args: readonly string[]) => Promise<string>;

/**
 * All stat lines, then every cmdline behind a `==> NAME <==` header (head's
 * own, for more than one file): one process for the whole table, where a
 * loop would start two per process. The first 4 KiB of a cmdline hold argv[0].
 */
const PROCESSES_SCRIPT = `cd /proc 2>/dev/null || { echo noproc; exit 0; }
if [ "$#" -eq 0 ]; then set -- [0-9]*; fi
echo stat
for p in "$@"; do cat "$p/stat" 2>/dev/null; done
echo cmdline
for p in "$@"; do [ -r "$p/cmdline" ] && set -- "$@" "$p/cmdline"; shift; done
[ "$#" -gt 0 ] && head -c 4096 "$@" /dev/null 2>/dev/null
exit 0`;

const RESIDENT_SCRIPT = `cd /proc 2>/dev/null || exit 0
for p in "$@"; do [ -r "$p/status" ] && set -- "$@" "$p/status"; shift; done
[ "$#" -gt 0 ] && grep -H '^VmRSS:' "$@" /dev/null 2>/dev/null
exit 0`;

/** df -P prints one line per filesystem whatever the name's length; sizes in KiB with -k. */
const FILESYSTEM_SCRIPT = `[ -e "$1" ] || { echo missing; exit 0; }
df -P -k -- "$1" | tail -n 1`;

const DISK_SCRIPT = `[ -e "$1" ] || [ -L "$1" ] || { echo missing; exit 0; }
du -s -k -- "$1" | tail -n 1`;

const HEADER = /^==> (\d+)\/cmdline <==$/;

/** The answer of PROCESSES_SCRIPT; throws when the host has no /proc. */
export function parseProcessTable(out: string): ProcessInfo[] {
  if (out.startsWith("noproc")) {
    throw new Error("process assertions read /proc, which the host does not have");
  }
  const cmdlineAt = out.indexOf("\ncmdline\n");
  const statPart = out.slice(out.indexOf("stat\n") + 5, cmdlineAt < 0 ? out.length : cmdlineAt);
  const argv0s = new Map<number, string>();
  if (cmdlineAt >= 0) {
    let pid: number | null = null;
    for (const line of out.slice(cmdlineAt + 9).split("\n")) {
      const header = HEADER.exec(line);
      if (header) pid = Number(header[1]);
      else if (pid !== null && !argv0s.has(pid)) argv0s.set(pid, line);
    }
  }
  const table: ProcessInfo[] = [];
  for (const line of statPart.split("\n")) {
    if (line === "") continue;
    const pid = Number(line.slice(0, line.indexOf(" ")));
    const info = parseProcStat(line, argv0s.get(pid) ?? "");
    if (info) table.push(info);
  }
  return table;
}

/** `/proc/PID/status:VmRSS:   1234 kB` lines, in bytes per pid. */
export function parseResident(out: string): Map<number, number> {
  const sizes = new Map<number, number>();
  for (const match of out.matchAll(/^(\d+)\/status:VmRSS:\s+(\d+)\s+kB$/gm)) {
    sizes.set(Number(match[1]), Number(match[2]) * 1024);
  }
  return sizes;
}

/**
 * The last line of `df -P -k`: filesystem, size, used, available, capacity,
 * mount point, in KiB. Names and mount points may hold spaces, so the numbers
 * are found by their shape: three counts, then a percentage, then a path.
 */
export function parseDf(line: string): FilesystemUsage | null {
  const match = /\s(\d+)\s+(\d+)\s+(\d+)\s+\d+%\s+\//.exec(line);
  if (!match) return null;
  const [used, available] = [Number(match[2]), Number(match[3])];
  return { usedBytes: used * 1024, sizeBytes: (used + available) * 1024 };
}

export function hostSystem(ask: AskHost, host: string): SystemAccess {
  const unexpected = (what: string, out: string) =>
    new Error(`on host ${JSON.stringify(host)}: ${what} answered "${out.trim().slice(0, 200)}"`);
  return {
    async processes(pids) {
      if (pids !== undefined && pids.length === 0) return [];
      return parseProcessTable(await ask(PROCESSES_SCRIPT, (pids ?? []).map(String)));
    },
    async residentBytes(pids) {
      if (pids.length === 0) return [];
      const sizes = parseResident(await ask(RESIDENT_SCRIPT, pids.map(String)));
      return pids.map((pid) => sizes.get(pid) ?? 0);
    },
    async filesystem(path) {
      const out = (await ask(FILESYSTEM_SCRIPT, [path])).trim();
      if (out === "missing") return null;
      return parseDf(out) ?? Promise.reject(unexpected("df", out));
    },
    async diskBytes(path) {
      const out = (await ask(DISK_SCRIPT, [path])).trim();
      if (out === "missing") return null;
      const kib = Number(out.split(/\s/)[0]);
      if (!Number.isFinite(kib) || out === "") throw unexpected("du", out);
      return kib * 1024;
    },
  };
}
