/**
 * Assertions of resources on a `host`, checked on that host: each question
 * (a file's stat, text or SHA-256, an account table, the process table, disk
 * usage) is one small POSIX sh script run through the host's runner plugin,
 * whose answer the same checks as on this machine then judge (src/assert).
 */
import type { Assertion, Config } from "../config/mod.ts";
import type { FileAccess, FileFacts, RemoteHost } from "../assert/mod.ts";
import { type AskHost, hostSystem } from "./host_system.ts";
import { RemoteRunners, sensitiveStrings } from "./runners.ts";

/** Each question gets this long; a host that takes longer fails the assertion. */
const QUESTION_TIMEOUT_MS = 30_000;

/** `%f` is the raw mode in hex (type and permission bits), so no locale-dependent words. */
const STAT_SCRIPT = `[ -e "$1" ] || { echo missing; exit 0; }
stat -L -c '%f %s %u %g' -- "$1"`;

/** The first line says what follows: `missing`, `directory`, or `content` and the file. */
const READ_SCRIPT = `[ -e "$1" ] || { echo missing; exit 0; }
[ -d "$1" ] && { echo directory; exit 0; }
echo content && cat -- "$1"`;

const SHA256_SCRIPT = `[ -e "$1" ] || { echo missing; exit 0; }
[ -d "$1" ] && { echo directory; exit 0; }
h=$(sha256sum < "$1") && echo "\${h%% *}"`;

const READ_OPTIONAL_SCRIPT = `cat -- "$1" 2>/dev/null; exit 0`;

/** The parts of a `stat -c '%f %s %u %g'` line; null when it is not one. */
export function parseStatLine(line: string): FileFacts | null {
  const match = /^([0-9a-f]+) (\d+) (\d+) (\d+)$/.exec(line.trim());
  if (!match) return null;
  const raw = parseInt(match[1], 16);
  const type = raw & 0o170000;
  return {
    isFile: type === 0o100000,
    isDirectory: type === 0o040000,
    size: Number(match[2]),
    mode: raw & 0o7777,
    uid: Number(match[3]),
    gid: Number(match[4]),
  };
}

/** Questions to `host` through its runner; a script that fails is an error naming the host. */
function askThrough(runners: RemoteRunners, host: string): AskHost {
  return async (script, args) => {
    const answer = await runners.shell(host, script, [...args], QUESTION_TIMEOUT_MS);
    if (answer.exitCode !== 0) {
      const why = answer.stderr.trim().split("\n").at(-1) || `exit code ${answer.exitCode}`;
      throw new Error(`on host ${JSON.stringify(host)}: ${why}`);
    }
    return answer.stdout;
  };
}

function hostFiles(askHost: AskHost, host: string): FileAccess {
  const ask = (script: string, path: string) => askHost(script, [path]);
  const firstLine = (text: string) => text.slice(0, Math.max(0, text.indexOf("\n")));
  return {
    async stat(path) {
      const out = (await ask(STAT_SCRIPT, path)).trim();
      if (out === "missing") return null;
      const facts = parseStatLine(out);
      if (!facts) throw new Error(`on host ${JSON.stringify(host)}: stat answered "${out}"`);
      return facts;
    },
    async readText(path) {
      const out = await ask(READ_SCRIPT, path);
      const head = firstLine(out);
      if (head === "missing") return null;
      if (head === "directory") return "directory";
      const text = out.slice(head.length + 1);
      return { text, bytes: new TextEncoder().encode(text).length };
    },
    async sha256(path) {
      const out = (await ask(SHA256_SCRIPT, path)).trim();
      if (out === "missing") return null;
      if (out === "directory") return "directory";
      return out;
    },
    async readOptional(path) {
      return await ask(READ_OPTIONAL_SCRIPT, path);
    },
  };
}

/**
 * Where each assertion runs: the host of its resource, if it has one. The
 * runner plugins start on first use; `close` stops them.
 */
export function assertionHosts(config: Config): {
  hostOf: (assertion: Assertion) => RemoteHost | undefined;
  close(): void;
} {
  const hostOfOwner = new Map<string, string>();
  for (const r of config.resources) if (r.host !== null) hostOfOwner.set(r.address, r.host);
  let runners: RemoteRunners | undefined;
  const hosts = new Map<string, RemoteHost>();
  return {
    hostOf(assertion) {
      const name = hostOfOwner.get(assertion.owner);
      if (name === undefined) return undefined;
      let host = hosts.get(name);
      if (!host) {
        runners ??= new RemoteRunners(config.rootDir, config.hosts, sensitiveStrings(config));
        const ask = askThrough(runners, name);
        host = { name, files: hostFiles(ask, name), system: hostSystem(ask, name) };
        hosts.set(name, host);
      }
      return host;
    },
    close() {
      runners?.close();
    },
  };
}
