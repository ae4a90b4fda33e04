/**
 * The sh scripts that process and disk assertions run on a host, run here
 * through a real `sh` (as runner plugins run them: `sh -c SCRIPT sh ARGS…`)
 * and compared with what this machine's own access reads directly. The ssh
 * path itself is covered by tests/apply_remote_ssh_test.ts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { LOCAL_SYSTEM } from "../src/assert/_system.ts";
import { type AskHost, hostSystem, parseDf, parseProcessTable } from "../src/cli/host_system.ts";

const askLocalSh: AskHost = async (script, args) => {
  const out = await new Deno.Command("sh", { args: ["-c", script, "sh", ...args] }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
};

const throughSh = hostSystem(askLocalSh, "local-sh");

/** A copy of `sleep` under a name no other process has; comm and argv0 are that name. */
async function sleeper(dir: string, name: string): Promise<Deno.ChildProcess> {
  await Deno.copyFile("/bin/sleep", join(dir, name));
  await Deno.chmod(join(dir, name), 0o755);
  const child = new Deno.Command(join(dir, name), { args: ["30"] }).spawn();
  await new Promise((resolve) => setTimeout(resolve, 100));
  return child;
}

Deno.test("host processes: the sh table matches /proc read here, odd names included", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cw-host-" });
  // Parentheses and spaces inside comm are why stat is split at the last ")".
  const odd = `cw) x(${Math.floor(Math.random() * 1e4)}`;
  const long = `cwhostsleeper-with-a-long-name-${Math.floor(Math.random() * 1e6)}`;
  const children = [await sleeper(dir, odd), await sleeper(dir, long)];
  try {
    const [viaSh, direct] = [await throughSh.processes(), await LOCAL_SYSTEM.processes()];
    for (const child of children) {
      const remote = viaSh.find((p) => p.pid === child.pid);
      const local = direct.find((p) => p.pid === child.pid);
      assert.ok(remote && local, `pid ${child.pid} missing from a table`);
      assert.equal(remote.comm, local.comm);
      assert.equal(remote.argv0, local.argv0);
      assert.equal(remote.state, local.state);
    }
    assert.equal(viaSh.find((p) => p.pid === children[0]!.pid)!.comm, odd);
    // The kernel keeps 15 bytes of comm; argv0 has the whole name.
    assert.equal(viaSh.find((p) => p.pid === children[1]!.pid)!.argv0, long);
    assert.ok(viaSh.length > 2 && Math.abs(viaSh.length - direct.length) < 20);

    const pids = children.map((c) => c.pid);
    const only = await throughSh.processes([...pids, 999_999_999]);
    assert.deepEqual(only.map((p) => p.pid).sort(), [...pids].sort(), "only the pids asked for");
    assert.deepEqual(await throughSh.processes([]), []);

    const [rssSh, rssHere] = [
      await throughSh.residentBytes([...pids, 999_999_999]),
      await LOCAL_SYSTEM.residentBytes(pids),
    ];
    assert.equal(rssSh.length, 3);
    assert.equal(rssSh[2], 0, "a pid that does not exist uses nothing");
    for (const [i, bytes] of rssHere.entries()) {
      assert.ok(bytes > 0 && Math.abs(rssSh[i]! - bytes) <= bytes / 5, `${rssSh[i]} vs ${bytes}`);
    }
  } finally {
    for (const child of children) {
      child.kill("SIGKILL");
      await child.status;
    }
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("host disk: df and du through sh agree with statfs and the walk done here", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cw-host-" });
  try {
    await Deno.mkdir(join(dir, "sub"));
    await Deno.writeFile(join(dir, "sub", "big"), new Uint8Array(3 * 1024 * 1024).fill(7));
    await Deno.writeTextFile(join(dir, "small"), "x");
    const [viaSh, direct] = [await throughSh.diskBytes(dir), await LOCAL_SYSTEM.diskBytes(dir)];
    assert.ok(direct !== null && direct >= 3 * 1024 * 1024);
    assert.ok(viaSh !== null && Math.abs(viaSh - direct) <= 16 * 1024, `${viaSh} vs ${direct}`);

    const [fsSh, fsHere] = [await throughSh.filesystem(dir), await LOCAL_SYSTEM.filesystem(dir)];
    assert.ok(fsSh && fsHere);
    const slack = 64 * 1024 * 1024; // other processes write to the same filesystem meanwhile
    assert.ok(Math.abs(fsSh.sizeBytes - fsHere.sizeBytes) <= slack, `${fsSh.sizeBytes}`);
    assert.ok(Math.abs(fsSh.usedBytes - fsHere.usedBytes) <= slack, `${fsSh.usedBytes}`);

    assert.equal(await throughSh.diskBytes(join(dir, "gone")), null);
    assert.equal(await throughSh.filesystem(join(dir, "gone")), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("host answers: df lines with spaces, a host without /proc", () => {
  assert.deepEqual(
    parseDf("my disk 1000 400 500 45% /mnt/my data"),
    { usedBytes: 400 * 1024, sizeBytes: 900 * 1024 },
  );
  assert.equal(parseDf("df: /x: No such file or directory"), null);
  assert.throws(() => parseProcessTable("noproc\n"), /host does not have/);
  assert.deepEqual(parseProcessTable("stat\ncmdline\n"), []);
});
