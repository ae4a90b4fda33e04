/**
 * Resources on a `host` (runner "ssh") through the real CLI against a real
 * sshd on 127.0.0.1. The sshd runs as the current user, so the "remote"
 * paths are local temporary paths the test can look at.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, lines, project, spawnCli } from "./apply_support_test.ts";
import { hostBlock, startSshd, type TestSshd } from "./support/sshd.ts";
import { systemTest } from "./support/system.ts";

function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

const logRuns = (dir: string) => {
  try {
    return [...Deno.readDirSync(join(dir, ".clockwork/logs"))].length;
  } catch {
    return 0;
  }
};

systemTest("remote host over ssh: apply, no-op, drift repair, destroy", ["sshd"], async (t) => {
  const sshd = await startSshd();
  const remote = await Deno.makeTempDir({ prefix: "cw-remote-" });
  const site = join(remote, "site");
  const index = join(site, "index.html");
  const counter = join(remote, "counter.txt");
  const config = (port?: number) =>
    hostBlock(sshd, port) + `
resource "directory" "site" {
  host = host.web1
  path = "${site}"
  mode = "0750"
}
resource "file" "index" {
  host    = host.web1
  path    = "\${directory.site.path}/index.html"
  content = "<h1>hello</h1>\\n"
  mode    = "0640"
}
resource "command" "count" {
  host       = host.web1
  run        = "echo ran >> ${counter}"
  depends_on = [file.index]
}
`;
  const dir = await project({ "main.cw": config() });
  try {
    await t.step("apply creates the directory, the file and runs the command once", async () => {
      const first = await cli(dir, ["apply", "--auto-approve"]);
      assert.equal(first.code, 0, first.stderr + first.stdout + sshd.log());
      assert.match(first.stdout, /Apply complete! Resources: 3 created/);
      assert.equal(await Deno.readTextFile(index), "<h1>hello</h1>\n");
      assert.equal((await Deno.stat(index)).mode! & 0o777, 0o640);
      assert.equal((await Deno.stat(site)).mode! & 0o777, 0o750);
      assert.equal(await Deno.readTextFile(counter), "ran\n");
      const state = JSON.parse(await Deno.readTextFile(join(dir, ".clockwork/state.json")));
      const file = state.resources.find((r: { address: string }) => r.address === "file.index");
      assert.equal(file.host, "web1");
      assert.equal(file.observed.mode, "0640");
    });

    await t.step("a second apply observes over ssh and runs no step", async () => {
      const runs = logRuns(dir);
      const second = await cli(dir, ["--json", "apply", "--auto-approve"]);
      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual(lines(second.stdout).map((e) => e.type), ["plan", "summary"]);
      assert.equal(await Deno.readTextFile(counter), "ran\n");
      assert.equal(logRuns(dir), runs, "a step ran");
    });

    await t.step(
      "a file changed behind Clockwork's back is drift, and apply repairs it",
      async () => {
        await Deno.writeTextFile(index, "defaced\n");
        await Deno.chmod(site, 0o700);
        const plan = await cli(dir, ["plan", "--out", "repair.plan"]);
        assert.match(plan.stdout, /file\.index/);
        assert.match(plan.stdout, /modified outside Clockwork/);
        assert.match(plan.stdout, /directory\.site/);
        // The saved plan applies on the host too.
        const repair = await cli(dir, ["apply", "repair.plan"]);
        assert.equal(repair.code, 0, repair.stderr + repair.stdout);
        assert.equal(await Deno.readTextFile(index), "<h1>hello</h1>\n");
        assert.equal((await Deno.stat(site)).mode! & 0o777, 0o750);
        assert.equal(await Deno.readTextFile(counter), "ran\n", "the command ran again");
      },
    );

    await t.step("an unreachable host stops planning with its name; state is kept", async () => {
      const before = await Deno.readTextFile(join(dir, ".clockwork/state.json"));
      await Deno.writeTextFile(join(dir, "main.cw"), config(closedPort()));
      const apply = await cli(dir, ["apply", "--auto-approve"]);
      assert.equal(apply.code, 1, apply.stdout);
      assert.match(apply.stderr, /CW3010/);
      assert.match(apply.stderr, /host "web1"/);
      assert.match(apply.stderr, /refused/);
      assert.doesNotMatch(apply.stderr, /^\s+at /m);
      assert.equal(await Deno.readTextFile(join(dir, ".clockwork/state.json")), before);
      await Deno.writeTextFile(join(dir, "main.cw"), config());
    });

    await t.step("destroy removes them on the host", async () => {
      const destroy = await cli(dir, ["destroy", "--auto-approve"]);
      assert.equal(destroy.code, 0, destroy.stderr + destroy.stdout);
      await assert.rejects(Deno.stat(index), Deno.errors.NotFound);
      await assert.rejects(Deno.stat(site), Deno.errors.NotFound);
      const state = JSON.parse(await Deno.readTextFile(join(dir, ".clockwork/state.json")));
      assert.deepEqual(state.resources, []);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(remote, { recursive: true });
    await sshd.stop();
  }
});

systemTest(
  "remote host over ssh: a directory holding others' files is left, and the step line says so",
  ["sshd"],
  async () => {
    const sshd = await startSshd();
    const remote = await Deno.makeTempDir({ prefix: "cw-remote-" });
    const kept = join(remote, "dd");
    const dir = await project({
      "main.cw": hostBlock(sshd) + `
resource "directory" "dd" {
  host = host.web1
  path = "${kept}"
}
`,
    });
    const note = `left ${kept} in place: it holds files Clockwork did not create`;
    try {
      const created = await cli(dir, ["apply", "--auto-approve"]);
      assert.equal(created.code, 0, created.stderr + created.stdout + sshd.log());
      await Deno.writeTextFile(join(kept, "theirs.txt"), "not Clockwork's\n");

      const events = await cli(dir, ["--json", "destroy", "--auto-approve"]);
      assert.equal(events.code, 0, events.stderr + events.stdout);
      const end = lines(events.stdout).find((e) => e.type === "step_end");
      assert.equal(end?.status, "ok", events.stdout);
      assert.equal(end?.message, note);
      assert.equal(await Deno.readTextFile(join(kept, "theirs.txt")), "not Clockwork's\n");

      assert.equal((await cli(dir, ["apply", "--auto-approve"])).code, 0);
      const text = await cli(dir, ["destroy", "--auto-approve"]);
      assert.equal(text.code, 0, text.stderr + text.stdout);
      const line = text.stdout.split("\n").find((l) => l.startsWith("directory.dd: destroyed ("));
      assert.ok(line?.endsWith(`); ${note}`), text.stdout);
      const state = JSON.parse(await Deno.readTextFile(join(dir, ".clockwork/state.json")));
      assert.deepEqual(state.resources, []);
    } finally {
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(remote, { recursive: true });
      await sshd.stop();
    }
  },
);

systemTest("remote host over ssh: hostile values arrive verbatim, nothing is injected", [
  "sshd",
], async () => {
  const sshd = await startSshd();
  const remote = await Deno.makeTempDir({ prefix: "cw-remote-" });
  const marker = join(remote, "pwned");
  const hostile =
    `it's "q" \\ $(touch ${marker}) \`touch ${marker}\` ; touch ${marker}\nline2 $HOME *\n`;
  // A path with a quote, $(…), a backtick, a space and a newline in it.
  const strangeDir = join(remote, `d'ir $(touch ${marker}) \`x\`\nz`);
  const hcl = (s: string) => JSON.stringify(s).replaceAll("${", () => "$${");
  const out = join(remote, "env-out");
  const bashTask = `printf '%s|%s|%s' "$0" "\${BASH_VERSION:+bash}" "\${CW_SCRIPT:-unset}" > '${
    join(remote, "task-out")
  }'\n`;
  const pythonTask = [
    "import os, sys",
    `open(${JSON.stringify(join(remote, "py-out"))}, "w").write(`,
    `    sys.argv[0] + "|" + os.environ.get("CW_SCRIPT", "unset") + "|" + __name__)`,
    "",
  ].join("\n");
  const dir = await project({
    "main.cw": hostBlock(sshd) + `
resource "file" "hostile" {
  host    = host.web1
  path    = ${hcl(join(strangeDir, "f'$(x).txt"))}
  content = ${hcl(hostile)}
}
resource "task" "script" {
  host    = host.web1
  lang    = "bash"
  script  = ${hcl(bashTask)}
  creates = ${hcl(join(remote, "task-out"))}
}
resource "task" "python" {
  host   = host.web1
  lang   = "python3"
  script = ${hcl(pythonTask)}
}
resource "file" "many" {
  count   = 15
  host    = host.web1
  path    = "${join(remote, "many")}/\${count.index}.txt"
  content = "n\${count.index}"
}
resource "command" "env" {
  host = host.web1
  run  = ${hcl(`printf '%s' "$HOSTILE" > '${out}'`)}
  env  = { HOSTILE = ${hcl(hostile)} }
}
`,
  });
  try {
    const apply = await cli(dir, ["apply", "--auto-approve"]);
    assert.equal(apply.code, 0, apply.stderr + apply.stdout + sshd.log());
    assert.equal(await Deno.readTextFile(join(strangeDir, "f'$(x).txt")), hostile);
    assert.equal(await Deno.readTextFile(out), hostile);
    // The tasks' scripts reached bash and python3 (through CW_SCRIPT, unset
    // before they run), with their artifact path as $0 / sys.argv[0].
    assert.equal(
      await Deno.readTextFile(join(remote, "task-out")),
      "scripts/task.script.create.sh|bash|unset",
    );
    assert.equal(
      await Deno.readTextFile(join(remote, "py-out")),
      "scripts/task.python.create.py|unset|__main__",
    );
    // 15 files at once stay within what one sshd accepts.
    for (let i = 0; i < 15; i++) {
      assert.equal(await Deno.readTextFile(join(remote, "many", `${i}.txt`)), `n${i}`);
    }
    await assert.rejects(Deno.stat(marker), Deno.errors.NotFound);
    const again = await cli(dir, ["--json", "apply", "--auto-approve"]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(lines(again.stdout).map((e) => e.type), ["plan", "summary"]);
    const destroy = await cli(dir, ["destroy", "--auto-approve"]);
    assert.equal(destroy.code, 0, destroy.stderr + destroy.stdout);
    await assert.rejects(Deno.stat(join(strangeDir, "f'$(x).txt")), Deno.errors.NotFound);
    await assert.rejects(Deno.stat(marker), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(remote, { recursive: true });
    await sshd.stop();
  }
});

systemTest("remote host over ssh: a first apply to an unreachable host fails naming it", [
  "sshd",
], async () => {
  const sshd = await startSshd();
  const remote = await Deno.makeTempDir({ prefix: "cw-remote-" });
  const dir = await project({
    "main.cw": hostBlock(sshd, closedPort()) + `
resource "file" "f" {
  host    = host.web1
  path    = "${join(remote, "f.txt")}"
  content = "x"
}
`,
  });
  try {
    const apply = await cli(dir, ["apply", "--auto-approve"]);
    assert.equal(apply.code, 1, apply.stdout);
    assert.match(apply.stderr, /CW5100/);
    assert.match(apply.stderr, /host "web1" \(.*127\.0\.0\.1:\d+\) is unreachable: .*refused/);
    assert.doesNotMatch(apply.stderr, /^\s+at /m);
    const state = JSON.parse(await Deno.readTextFile(join(dir, ".clockwork/state.json")));
    assert.deepEqual(state.resources, []);
    await assert.rejects(Deno.stat(join(remote, "f.txt")), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(remote, { recursive: true });
    await sshd.stop();
  }
});

systemTest("remote host over ssh: a second Ctrl-C stops a running remote step", [
  "sshd",
], async () => {
  const sshd = await startSshd();
  const remote = await Deno.makeTempDir({ prefix: "cw-remote-" });
  const started = join(remote, "started");
  const dir = await project({
    "main.cw": hostBlock(sshd) + `
resource "command" "slow" {
  host    = host.web1
  run     = "touch ${started}; sleep 5"
  timeout = "6s"
}
`,
  });
  try {
    const child = spawnCli(dir, ["apply", "--auto-approve"]);
    const output = Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
    ]);
    for (let i = 0; i < 100; i++) {
      if (await Deno.stat(started).then(() => true, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const t0 = performance.now();
    child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 200));
    child.kill("SIGINT");
    const status = await child.status;
    const [stdout, stderr] = await output;
    assert.equal(status.code, 1, stdout + stderr);
    assert.ok(performance.now() - t0 < 3_000, "the CLI waited for the remote step");
    assert.match(stdout + stderr, /interrupted twice/);
    assert.match(stdout + stderr, /host "web1"/);
  } finally {
    await new Promise((r) => setTimeout(r, 5_500)); // the remote sleep ends by its timeout
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(remote, { recursive: true });
    await sshd.stop();
  }
});

Deno.test("remote host: an unknown runner or an ssh host without address stops the plan", async () => {
  const dir = await project({
    "main.cw": `
host "web1" {
  runner = "sshh"
}
host "web2" {
  runner = "ssh"
  port   = 22
}
host "unused" {
  runner = "nope"
}
resource "command" "a" {
  host = host.web1
  run  = "true"
}
resource "command" "b" {
  host = host.web2
  run  = "true"
}
`,
  });
  try {
    const plan = await cli(dir, ["plan"]);
    assert.equal(plan.code, 1, plan.stdout);
    assert.match(plan.stderr, /CW2040.*Host "web1": no runner plugin "sshh"/);
    assert.match(plan.stderr, /built-in runners: .*"ssh"/);
    assert.match(plan.stderr, /CW2040.*Host "web2" needs an `address`/);
    assert.doesNotMatch(plan.stderr, /unused/);
    assert.doesNotMatch(plan.stdout, /will be created/);
    const validate = await cli(dir, ["validate"]);
    assert.equal(validate.code, 1, validate.stdout);
    assert.match(validate.stderr, /CW2040.*Host "web1": no runner plugin "sshh"/);
    assert.match(validate.stderr, /CW2040.*Host "web2" needs an `address`/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

systemTest("remote host over ssh: a failing step names the host, exit code and reason", [
  "sshd",
], async () => {
  const sshd = await startSshd();
  const dir = await project({
    "main.cw": hostBlock(sshd) + `
resource "command" "fails" {
  host = host.web1
  run  = "echo working; echo 'disk is full' >&2; exit 3"
}
`,
  });
  try {
    const apply = await cli(dir, ["apply", "--auto-approve"]);
    assert.equal(apply.code, 1, apply.stdout);
    assert.match(
      apply.stderr,
      /CW5100.*command\.fails:create failed: exited with code 3 on host "web1" \(.*\): disk is full/,
    );
    const log = apply.stderr.match(/log: (\S+)/)?.[1];
    assert.ok(log, apply.stderr);
    assert.equal(await Deno.readTextFile(log), "working\ndisk is full\n");
    const state = JSON.parse(await Deno.readTextFile(join(dir, ".clockwork/state.json")));
    assert.deepEqual(state.resources, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await sshd.stop();
  }
});

systemTest("remote host over ssh: file, process and disk assertions are checked on the host", [
  "sshd",
], async (t) => {
  const sshd = await startSshd();
  const remote = await Deno.makeTempDir({ prefix: "cw-remote-assert-" });
  const page = join(remote, "page.html");
  const fileAsserts = `
  assert "file_exists" {
    path = "${page}"
  }
  assert "file_permissions" {
    path  = "${page}"
    mode  = "0640"
    owner = ${JSON.stringify(sshd.user)}
  }
  assert "file_content" {
    path    = "${page}"
    pattern = "^<h1>remote</h1>$"
  }
  assert "file_size" {
    path      = "${page}"
    min_bytes = 10
    max_bytes = 100
  }
`;
  const config = (extra = "") =>
    hostBlock(sshd) + `
resource "file" "page" {
  host    = host.web1
  path    = "${page}"
  content = "<h1>remote</h1>\\n"
  mode    = "0640"
${fileAsserts}${extra}
}
`;
  const dir = await project({ "main.cw": config() });
  const results = (
    stdout: string,
  ) => (JSON.parse(stdout).results as { kind: string; passed: boolean; message: string }[]);
  // The host is this machine over ssh: a process only the host's table can show.
  const sleeperName = `cwremote${Math.floor(Math.random() * 1e6)}`;
  await Deno.copyFile("/bin/sleep", join(remote, sleeperName));
  await Deno.chmod(join(remote, sleeperName), 0o755);
  const sleeper = new Deno.Command(join(remote, sleeperName), { args: ["120"] }).spawn();
  let sshdStopped = false;
  try {
    await t.step("apply writes the file on the host and its assertions pass there", async () => {
      const apply = await cli(dir, ["--json", "apply", "--auto-approve"]);
      assert.equal(apply.code, 0, apply.stderr + apply.stdout);
      const checked = lines(apply.stdout).filter((e) => e.type === "assert_result");
      assert.deepEqual(
        // Results stream as they finish, so in any order.
        checked.map((e) => `${e.kind} ${e.passed}`).sort(),
        ["file_content true", "file_exists true", "file_permissions true", "file_size true"],
      );
    });

    await t.step("a change on the host fails the content and size assertions", async () => {
      await Deno.writeTextFile(page, "defaced, and now longer than a hundred bytes ".repeat(3));
      const run = await cli(dir, ["--json", "assert"]);
      assert.equal(run.code, 3, run.stderr);
      const failed = results(run.stdout).filter((r) => !r.passed).map((r) => r.kind);
      assert.deepEqual(failed, ["file_content", "file_size"]);
    });

    await t.step("process and disk kinds read the host; container kinds refuse", async () => {
      await Deno.writeTextFile(
        join(dir, "main.cw"),
        config(`
  assert "process_running" {
    name = "${sleeperName}"
  }
  assert "process_not_running" {
    name = "${sleeperName}x"
  }
  assert "memory_usage" {
    process = "${sleeperName}"
    max_mb  = 100
  }
  assert "disk_usage" {
    path        = "${remote}"
    max_percent = 100
    max_mb      = 10
  }
  assert "container_running" {
    container = "web"
  }
`),
      );
      const run = await cli(dir, ["--json", "assert"]);
      assert.equal(run.code, 3, run.stderr);
      const byKind = new Map(results(run.stdout).map((r) => [r.kind, r]));
      for (const kind of ["process_running", "process_not_running", "memory_usage", "disk_usage"]) {
        assert.equal(byKind.get(kind)?.passed, true, JSON.stringify(byKind.get(kind)));
      }
      const container = byKind.get("container_running")!;
      assert.equal(container.passed, false);
      assert.match(container.message, /containers cannot be checked on a host.*host "web1"/);
      await Deno.writeTextFile(
        join(dir, "main.cw"),
        config(`
  assert "process_running" {
    name = "${sleeperName}"
  }
`),
      );
    });

    await t.step("with the host down, they fail naming it, though the file is here", async () => {
      await Deno.writeTextFile(page, "<h1>remote</h1>\n");
      await sshd.stop();
      sshdStopped = true;
      const run = await cli(dir, ["--json", "assert"]);
      assert.equal(run.code, 3, run.stderr);
      const checked = results(run.stdout);
      // The sleeper still runs here: process_running failing proves it asked the host.
      assert.ok(checked.some((r) => r.kind === "process_running"));
      for (const r of checked) {
        assert.equal(r.passed, false, r.kind);
        assert.match(r.message, /host "web1"/, r.message);
      }
    });
  } finally {
    sleeper.kill("SIGKILL");
    await sleeper.status;
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(remote, { recursive: true });
    if (!sshdStopped) await sshd.stop();
  }
});

/**
 * One file applied on a fresh sshd's host; `check` runs with the project,
 * then everything is removed.
 */
async function withAppliedRemoteFile(
  check: (setup: { sshd: TestSshd; dir: string; target: string }) => Promise<void>,
): Promise<void> {
  const sshd = await startSshd();
  const remote = await Deno.makeTempDir({ prefix: "cw-remote-file-" });
  const target = join(remote, "motd");
  const dir = await project({
    "main.cw": hostBlock(sshd) + `
resource "file" "motd" {
  host    = host.web1
  path    = "${target}"
  content = "welcome\\n"
}
`,
  });
  try {
    const apply = await cli(dir, ["apply", "--auto-approve"]);
    assert.equal(apply.code, 0, apply.stderr + apply.stdout + sshd.log());
    await check({ sshd, dir, target });
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(remote, { recursive: true });
    await sshd.stop();
  }
}

systemTest(
  "daemon --once repairs drift on an ssh host, through the host the configuration declares",
  ["sshd"],
  () =>
    withAppliedRemoteFile(async ({ sshd, dir, target }) => {
      await Deno.writeTextFile(target, "tampered\n");
      const repair = await cli(dir, ["daemon", "--once"]);
      assert.equal(repair.code, 0, repair.stderr + repair.stdout + sshd.log());
      assert.doesNotMatch(repair.stdout + repair.stderr, /FAILED|not declared/);
      assert.equal(await Deno.readTextFile(target), "welcome\n");
      assert.match((await cli(dir, ["plan"])).stdout, /^No changes\./);
    }),
);

systemTest(
  "plan names why a host cannot be observed: a changed host key",
  ["sshd"],
  () =>
    withAppliedRemoteFile(async ({ sshd, dir, target }) => {
      // Another machine answering at the same address: known_hosts holds a different key.
      const otherKey = `${target}.other_key`;
      const keygen = await new Deno.Command("ssh-keygen", {
        args: ["-q", "-t", "ed25519", "-N", "", "-f", otherKey],
      }).output();
      assert.ok(keygen.success);
      const pub = (await Deno.readTextFile(`${otherKey}.pub`)).split(" ").slice(0, 2).join(" ");
      await Deno.writeTextFile(sshd.knownHostsFile, `[${sshd.host}]:${sshd.port} ${pub}\n`);
      const plan = await cli(dir, ["plan", "--json"]);
      assert.equal(plan.code, 1, plan.stdout);
      const diagnostic = JSON.parse(plan.stdout).diagnostics.find((d: { code: string }) =>
        d.code === "CW3010"
      );
      assert.match(diagnostic?.detail ?? "", /Host key verification failed/, plan.stdout);
    }),
);
