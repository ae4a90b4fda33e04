/**
 * A throwaway OpenSSH server on 127.0.0.1, running as the current user with its
 * own host key and one authorized client key, all in a temporary directory.
 */
import { join } from "node:path";
import { userInfo } from "node:os";
import { freePort, waitForPort } from "./free_port.ts";
import { findExecutable } from "./system.ts";

export interface TestSshd {
  port: number;
  user: string;
  host: string;
  /** Private key the server accepts. */
  identityFile: string;
  /** known_hosts with the server's host key for [127.0.0.1]:port. */
  knownHostsFile: string;
  /** ssh options that reach this server non-interactively, before `user@host`. */
  sshArgs: string[];
  /** What sshd printed (stderr, via -e): useful when a test fails. */
  log(): string;
  stop(): Promise<void>;
}

function requireExecutable(name: string): string {
  const path = findExecutable(name);
  if (!path) throw new Error(`${name} is not installed (run scripts/install-system-deps.sh)`);
  return path;
}

async function run(program: string, args: string[]): Promise<void> {
  const result = await new Deno.Command(program, { args, stdin: "null" }).output();
  if (!result.success) {
    throw new Error(
      `${program} ${args.join(" ")} failed: ${new TextDecoder().decode(result.stderr)}`,
    );
  }
}

export async function startSshd(): Promise<TestSshd> {
  const sshd = requireExecutable("sshd");
  const sshKeygen = requireExecutable("ssh-keygen");
  const dir = await Deno.makeTempDir({ prefix: "clockwork-sshd-" });
  const hostKey = join(dir, "host_ed25519");
  const identityFile = join(dir, "client_ed25519");
  const authorizedKeys = join(dir, "authorized_keys");
  const knownHostsFile = join(dir, "known_hosts");
  const configFile = join(dir, "sshd_config");
  const user = userInfo().username;

  await Promise.all([
    run(sshKeygen, ["-q", "-t", "ed25519", "-N", "", "-C", "clockwork-test-host", "-f", hostKey]),
    run(sshKeygen, [
      "-q",
      "-t",
      "ed25519",
      "-N",
      "",
      "-C",
      "clockwork-test-client",
      "-f",
      identityFile,
    ]),
  ]);
  await Deno.copyFile(`${identityFile}.pub`, authorizedKeys);
  if (Deno.uid() === 0) {
    // sshd refuses to start without its privilege-separation directory.
    await Deno.mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  }

  for (let attempt = 1;; attempt++) {
    const port = freePort();
    await Deno.writeTextFile(
      configFile,
      [
        `Port ${port}`,
        "ListenAddress 127.0.0.1",
        `HostKey ${hostKey}`,
        `PidFile ${join(dir, "sshd.pid")}`,
        `AuthorizedKeysFile ${authorizedKeys}`,
        "StrictModes no",
        "UsePAM no",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin prohibit-password",
        `AllowUsers ${user}`,
        "Subsystem sftp internal-sftp",
        "LogLevel ERROR",
        "",
      ].join("\n"),
    );
    const child = new Deno.Command(sshd, {
      args: ["-D", "-e", "-f", configFile],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let log = "";
    const logDone = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (chunk) => void (log += chunk) }),
    );
    let exited = false;
    const status = child.status.then((s) => {
      exited = true;
      return s;
    });
    const ready = await Promise.race([
      waitForPort(port).then(() => true, () => false),
      status.then(() => false),
    ]);
    if (!ready || exited) {
      if (!exited) child.kill("SIGKILL");
      await status;
      await logDone;
      // Another process may have taken the port between freePort() and bind.
      if (attempt < 3 && log.includes("Address already in use")) continue;
      await Deno.remove(dir, { recursive: true });
      throw new Error(`sshd did not start: ${log.trim()}`);
    }
    await Deno.writeTextFile(
      knownHostsFile,
      `[127.0.0.1]:${port} ${(await Deno.readTextFile(`${hostKey}.pub`)).trim()}\n`,
    );
    return {
      port,
      user,
      host: "127.0.0.1",
      identityFile,
      knownHostsFile,
      sshArgs: [
        "-F",
        "/dev/null",
        "-p",
        String(port),
        "-i",
        identityFile,
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        `UserKnownHostsFile=${knownHostsFile}`,
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=10",
      ],
      log: () => log,
      async stop() {
        if (!exited) child.kill("SIGTERM");
        await status;
        await logDone;
        await Deno.remove(dir, { recursive: true });
      },
    };
  }
}

/** A `host "web1"` block (runner ssh) that reaches this server, for configurations in tests. */
export function hostBlock(sshd: TestSshd, port = sshd.port): string {
  return `
host "web1" {
  runner                   = "ssh"
  address                  = "${sshd.host}"
  port                     = ${port}
  user                     = ${JSON.stringify(sshd.user)}
  identity_file            = ${JSON.stringify(sshd.identityFile)}
  known_hosts_file         = ${JSON.stringify(sshd.knownHostsFile)}
  strict_host_key_checking = "yes"
}
`;
}
