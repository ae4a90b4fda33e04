/**
 * Tests that need a real system part (podman, bubblewrap, sshd, PostgreSQL, …).
 * Locally a missing part skips the test with a printed reason; under CI=true it
 * fails, because a skip in CI hides a broken machine.
 */
import { join } from "node:path";

export type SystemPart =
  | "podman"
  | "bwrap"
  | "sshd"
  | "postgres"
  | "terraform"
  | "ansible"
  | "sqlite3"
  | "busybox-image";

export const TEST_IMAGE = "localhost/clockwork-test/busybox:latest";

const known = new Map<string, boolean>();

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

const pathEntries = (Deno.env.get("PATH") ?? "").split(":").filter((entry) => entry !== "");

/** The absolute path of an executable on PATH (or in the sbin folders PATH often lacks). */
export function findExecutable(name: string): string | undefined {
  for (const folder of [...pathEntries, "/usr/sbin", "/sbin"]) {
    const candidate = join(folder, name);
    if (isFile(candidate)) return candidate;
  }
  return undefined;
}

/** Debian's versioned PostgreSQL bin folder with initdb and pg_ctl, newest first. */
export function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!isDirectory(root)) return undefined;
  const versions = [...Deno.readDirSync(root)]
    .filter((entry) => entry.isDirectory)
    .map((entry) => entry.name)
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = join(root, version, "bin");
    if (isFile(join(bin, "initdb")) && isFile(join(bin, "pg_ctl"))) return bin;
  }
  return undefined;
}

function detect(part: string): boolean {
  switch (part) {
    case "podman":
      return findExecutable("podman") !== undefined;
    case "bwrap":
      return findExecutable("bwrap") !== undefined;
    case "sshd":
      return ["sshd", "ssh", "ssh-keygen"].every((name) => findExecutable(name) !== undefined);
    case "postgres":
      return postgresBinDir() !== undefined && findExecutable("psql") !== undefined;
    case "terraform":
      return findExecutable("terraform") !== undefined;
    case "ansible":
      return findExecutable("ansible-playbook") !== undefined;
    case "sqlite3":
      return findExecutable("sqlite3") !== undefined;
    case "busybox-image": {
      const podman = findExecutable("podman");
      if (!podman) return false;
      // One spawn per test process (cached); podman answers this from local storage.
      const result = new Deno.Command(podman, {
        args: ["image", "exists", TEST_IMAGE],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).outputSync();
      return result.success;
    }
    default:
      throw new Error(`unknown system part "${part}"`);
  }
}

export function hasSystemPart(name: SystemPart): boolean {
  let present = known.get(name);
  if (present === undefined) {
    present = detect(name);
    known.set(name, present);
  }
  return present;
}

/** The first missing part of `parts`, if any. */
export function missingSystemPart(parts: readonly SystemPart[]): SystemPart | undefined {
  return parts.find((part) => !hasSystemPart(part));
}

const inCi = Deno.env.get("CI") === "true";

/**
 * Registers a Deno.test that needs `parts`. Missing part: skipped with a printed
 * reason locally, registered as a failing test under CI=true.
 */
export function systemTest(
  name: string,
  parts: readonly SystemPart[],
  fn: (t: Deno.TestContext) => void | Promise<void>,
  options: Omit<Deno.TestDefinition, "name" | "fn" | "ignore"> = {},
): void {
  const missing = missingSystemPart(parts);
  if (missing === undefined) {
    Deno.test({ ...options, name, fn });
    return;
  }
  const reason = `${missing} is not installed (run scripts/install-system-deps.sh)`;
  if (inCi) {
    Deno.test({
      ...options,
      name,
      fn() {
        throw new Error(`${reason}; under CI=true a missing system part is a failure`);
      },
    });
    return;
  }
  console.log(`SKIP ${name}: ${reason}`);
  Deno.test({ ...options, name, ignore: true, fn });
}
