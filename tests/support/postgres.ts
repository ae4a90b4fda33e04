/**
 * A throwaway PostgreSQL server on 127.0.0.1 with its data and socket in a
 * temporary directory. As root, initdb and pg_ctl run as the `postgres` user
 * (PostgreSQL refuses to run as root).
 */
import { join } from "node:path";
import { freePort } from "./free_port.ts";
import { findExecutable, postgresBinDir } from "./system.ts";

export interface TestPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust authentication). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

function postgresAccount(): { uid: number; gid: number } {
  const line = Deno.readTextFileSync("/etc/passwd").split("\n").find((l) =>
    l.startsWith("postgres:")
  );
  if (!line) throw new Error("no postgres user (install the postgresql package)");
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error("PostgreSQL is not installed (run scripts/install-system-deps.sh)");
  const asRoot = Deno.uid() === 0;
  const runuser = asRoot ? findExecutable("runuser") : undefined;
  if (asRoot && !runuser) throw new Error("runuser not found; needed to run PostgreSQL as root");

  const dir = await Deno.makeTempDir({ prefix: "clockwork-postgres-" });
  const dataDir = join(dir, "data");
  const logFile = join(dir, "server.log");
  if (asRoot) {
    const { uid, gid } = postgresAccount();
    await Deno.chown(dir, uid, gid);
  }

  const pg = async (program: string, args: string[]) => {
    const [command, fullArgs] = runuser
      ? [runuser, ["-u", "postgres", "--", join(bin, program), ...args]]
      : [join(bin, program), args];
    const result = await new Deno.Command(command, {
      args: fullArgs,
      cwd: dir,
      stdin: "null",
      env: { LC_ALL: "C.UTF-8" },
    }).output();
    if (!result.success) {
      const decoder = new TextDecoder();
      let log = "";
      try {
        log = await Deno.readTextFile(logFile);
      } catch { /* the server never started */ }
      throw new Error(
        `${program} failed: ${decoder.decode(result.stderr)}${decoder.decode(result.stdout)}${log}`,
      );
    }
  };

  try {
    await pg("initdb", [
      "-D",
      dataDir,
      "-U",
      "postgres",
      "-A",
      "trust",
      "-E",
      "UTF8",
      "--no-sync",
      "--no-instructions",
    ]);
    let port = 0;
    for (let attempt = 1;; attempt++) {
      port = freePort();
      try {
        await pg("pg_ctl", [
          "-D",
          dataDir,
          "-l",
          logFile,
          "-w",
          "-t",
          "30",
          "-o",
          `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`,
          "start",
        ]);
        break;
      } catch (error) {
        // Another process may have taken the port between freePort() and bind.
        if (attempt >= 3 || !String(error).includes("already in use")) throw error;
      }
    }
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      async stop() {
        try {
          await pg("pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "stop"]);
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      },
    };
  } catch (error) {
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
}
