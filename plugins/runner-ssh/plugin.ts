/**
 * The ssh runner: runs steps and observes `file`/`directory` resources on a
 * remote host through the local `ssh` binary (non-interactive: BatchMode).
 *
 * User values never reach the remote command line: ssh always runs the fixed
 * command `sh -s` and the script arrives on stdin, with every argv element,
 * environment value and stdin text single-quoted for the remote shell. So
 * secrets in the step's env do not show in the remote process list either.
 *
 * Settings (the host block): `address` (required), `port` (22), `user`,
 * `identity_file`, `known_hosts_file` (paths relative to the configuration
 * directory), `strict_host_key_checking` ("yes" | "accept-new" | "no", or a
 * boolean; default "yes"), `connect_timeout` (seconds, 10) and `workdir` (the
 * remote directory steps run in; default the step's cwd when it exists there,
 * else the login directory).
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

interface Target {
  readonly argv: string[];
  readonly workdir: string | undefined;
  /** identity and known_hosts files, absolute. */
  readonly files: string[];
}

/** One word for a POSIX shell: everything inside single quotes, `'` as `'\''`. */
function shellQuote(value: string): string {
  if (value.includes("\0")) throw new RequestError("invalid_params", "a NUL byte cannot be sent");
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Host names, IPv4 and IPv6 literals; never an option (`-oProxyCommand=…`). */
const ADDRESS = /^[A-Za-z0-9_.:%[\]][A-Za-z0-9_.:%[\]-]*$/;
const USER = /^[A-Za-z0-9_.][A-Za-z0-9_.@-]*$/;

function text(settings: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = settings[key];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") {
    throw new RequestError("invalid_params", `setting "${key}" must be a string`);
  }
  return value;
}

/** ssh expands `%` tokens and splits on whitespace inside `-o` values. */
function sshPathOption(path: string, key: string): string {
  if (/["\n\r]/.test(path)) {
    throw new RequestError("invalid_params", `setting "${key}" contains a quote or newline`);
  }
  return `"${path.replaceAll("%", "%%")}"`;
}

function targetOf(context: PluginContext): Target {
  const s = context.settings;
  const address = text(s, "address");
  if (!address) throw new RequestError("invalid_params", `the ssh runner needs an "address"`);
  if (!ADDRESS.test(address)) {
    throw new RequestError("invalid_params", `"address" ${JSON.stringify(address)} is not a host`);
  }
  const user = text(s, "user");
  if (user !== undefined && !USER.test(user)) {
    throw new RequestError("invalid_params", `"user" ${JSON.stringify(user)} is not a user name`);
  }
  const port = Number(s.port ?? 22);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RequestError("invalid_params", `"port" must be a TCP port, not ${String(s.port)}`);
  }
  const timeout = Number(s.connect_timeout ?? 10);
  if (!Number.isInteger(timeout) || timeout < 1) {
    throw new RequestError("invalid_params", `"connect_timeout" must be whole seconds`);
  }
  const strictRaw = s.strict_host_key_checking ?? "yes";
  const strict = strictRaw === true ? "yes" : strictRaw === false ? "no" : strictRaw;
  if (strict !== "yes" && strict !== "accept-new" && strict !== "no") {
    throw new RequestError(
      "invalid_params",
      `"strict_host_key_checking" must be "yes", "accept-new" or "no"`,
    );
  }
  const resolve = (p: string) => p.startsWith("/") ? p : `${context.configDir}/${p}`;
  const argv = [
    "-T",
    "-p",
    String(port),
    "-o",
    "BatchMode=yes",
    "-o",
    `StrictHostKeyChecking=${strict}`,
    "-o",
    `ConnectTimeout=${timeout}`,
    "-o",
    "LogLevel=ERROR",
  ];
  const identity = text(s, "identity_file");
  if (identity) argv.push("-i", resolve(identity), "-o", "IdentitiesOnly=yes");
  const knownHosts = text(s, "known_hosts_file");
  if (knownHosts) {
    argv.push("-o", `UserKnownHostsFile=${sshPathOption(resolve(knownHosts), "known_hosts_file")}`);
  }
  const files = [identity, knownHosts].filter((f) => f !== undefined).map(resolve);
  argv.push(user ? `${user}@${address}` : address, "--", "sh", "-s");
  return { argv, workdir: text(s, "workdir"), files };
}

/** ssh's own message for a missing key is vague; name the setting instead. */
async function checkFiles(target: Target): Promise<void> {
  for (const file of target.files) {
    try {
      await Deno.stat(file);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new RequestError("not_found", `${file} (from the host's settings) does not exist`);
      }
      throw e;
    }
  }
}

interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs `ssh` with the script on stdin; SIGKILL after timeoutMs. */
async function ssh(args: string[], script: string, timeoutMs: number): Promise<SshResult> {
  const child = new Deno.Command("ssh", {
    args,
    env: {},
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let out = "";
    for await (const chunk of stream) out += decoder.decode(chunk, { stream: true });
    return out + decoder.decode();
  };
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  const writer = child.stdin.getWriter();
  // A remote command that exits early closes the pipe; its exit status tells why.
  writer.write(new TextEncoder().encode(script)).then(() => writer.close()).catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const outcome = await Promise.race([child.status, expired]);
  clearTimeout(timer);
  if (outcome === "timeout") {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
  }
  return {
    code: outcome === "timeout" ? -1 : outcome.code,
    stdout: await stdout,
    stderr: await stderr,
    timedOut: outcome === "timeout",
  };
}

/** The remote script for one step; every user value is a quoted word. */
function stepScript(step: Step, workdir: string | undefined): string {
  const lines: string[] = [];
  if (workdir !== undefined) {
    lines.push(`cd -- ${shellQuote(workdir)} || exit 1`);
  } else if (step.cwd !== "") {
    lines.push(`cd -- ${shellQuote(step.cwd)} 2>/dev/null || cd`);
  }
  for (const [name, value] of Object.entries(step.env)) {
    if (!ENV_NAME.test(name)) {
      throw new RequestError("invalid_params", `${JSON.stringify(name)} is not a variable name`);
    }
    lines.push(`export ${name}=${shellQuote(value)}`);
  }
  // Killing the local ssh does not stop the remote command (no terminal to hang
  // up), so `timeout` stops it there too, a moment after the local deadline.
  const seconds = Math.ceil(step.timeoutMs / 1000) + 1;
  lines.push(
    `if command -v timeout >/dev/null 2>&1; then t="timeout -s KILL ${seconds}"; else t=; fi`,
  );
  const command = "$t " + step.argv.map(shellQuote).join(" ");
  // The script itself is sh's stdin, so the step reads its own stdin or nothing.
  lines.push(
    step.stdin === undefined
      ? `exec ${command} </dev/null`
      : `printf '%s' ${shellQuote(step.stdin)} | ${command}`,
  );
  return lines.join("\n") + "\n";
}

async function execute(step: Step, target: Target): Promise<StepResult> {
  const started = performance.now();
  const script = stepScript(step, target.workdir);
  const result = await ssh(target.argv, script, step.timeoutMs);
  return {
    exitCode: result.code,
    stdout: result.stdout,
    stderr: result.stderr,
    durationMs: Math.round(performance.now() - started),
    ...(result.timedOut ? { timedOut: true } : {}),
  };
}

/**
 * Prints one line per path: `INDEX missing`, `INDEX error TEXT` or
 * `INDEX ok RAWMODEHEX SIZE SHA256|-`. stat does not follow symbolic links.
 */
const OBSERVE_FUNCTION = `o() {
  if [ ! -e "$2" ] && [ ! -L "$2" ]; then echo "$1 missing"; return; fi
  s=$(stat -c '%f %s' -- "$2" 2>&1) || { echo "$1 error cannot stat"; return; }
  h=-
  if [ -f "$2" ] && [ ! -L "$2" ]; then
    h=$(sha256sum < "$2" 2>/dev/null) || { echo "$1 error cannot read"; return; }
    h=\${h%% *}
  fi
  echo "$1 ok $s $h"
}
`;

function parseObservation(line: string, raw: string, type: string): Observation {
  const [, status, ...rest] = line.split(" ");
  if (status === "missing") return { exists: false, attributes: { path: raw } };
  if (status !== "ok") {
    return { exists: false, attributes: {}, error: `${rest.join(" ")} ${raw} on the remote host` };
  }
  const [modeHex, size, sha256] = rest;
  const mode = parseInt(modeHex, 16);
  const format = mode & 0o170000;
  const kind = format === 0o100000 ? "file" : format === 0o040000 ? "directory" : "other";
  const attributes: Record<string, unknown> = {
    path: raw,
    mode: (mode & 0o7777).toString(8).padStart(4, "0"),
    kind,
  };
  if (kind === "file") {
    attributes.size = Number(size);
    attributes.sha256 = sha256;
  }
  return { exists: kind === type, attributes };
}

async function observe(
  resources: ObservedResource[],
  target: Target,
  configDir: string,
): Promise<Record<string, Observation>> {
  const observations: Record<string, Observation> = {};
  const asked: { resource: ObservedResource; raw: string }[] = [];
  const calls: string[] = [];
  for (const resource of resources) {
    const raw = resource.attributes.path;
    if (typeof raw !== "string" || raw === "") {
      observations[resource.address] = {
        exists: false,
        attributes: {},
        error: "no path attribute",
      };
    } else if (resource.type !== "file" && resource.type !== "directory") {
      observations[resource.address] = {
        exists: false,
        attributes: {},
        error: `cannot observe ${resource.type} resources`,
      };
    } else {
      const path = raw.startsWith("/") ? raw : `${configDir}/${raw}`;
      calls.push(`o ${asked.length} ${shellQuote(path)}`);
      asked.push({ resource, raw });
    }
  }
  if (asked.length === 0) return observations;
  const result = await ssh(target.argv, OBSERVE_FUNCTION + calls.join("\n") + "\n", 60_000);
  const lines = new Map<number, string>();
  for (const line of result.stdout.split("\n")) {
    const index = Number(line.slice(0, line.indexOf(" ")));
    if (line !== "" && Number.isInteger(index)) lines.set(index, line);
  }
  const failure = result.timedOut
    ? "ssh did not answer within 60 s"
    // ssh says why last (after any banner or warning lines): that line is the reason.
    : `ssh exited with ${result.code}: ${result.stderr.trim().split("\n").at(-1)!.slice(0, 500)}`;
  asked.forEach(({ resource, raw }, index) => {
    const line = lines.get(index);
    observations[resource.address] = line === undefined
      ? { exists: false, attributes: {}, error: failure }
      : parseObservation(line, raw, resource.type);
  });
  return observations;
}

definePlugin({
  kind: "runner",
  handlers: {
    async observe({ resources }, context) {
      const target = targetOf(context);
      await checkFiles(target);
      return { observations: await observe(resources, target, context.configDir) };
    },
    async execute({ step }, context) {
      if (step.argv.length === 0) throw new RequestError("invalid_params", "empty argv");
      const target = targetOf(context);
      await checkFiles(target);
      return await execute(step, target);
    },
  },
});
