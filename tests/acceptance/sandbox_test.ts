/**
 * Acceptance: the execution sandbox (DESIGN.md, issue 5). With bubblewrap every
 * subprocess sees a read-only filesystem except `.clockwork/build/` and the
 * paths its resource declares, and no network unless it needs it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../support/cli.ts";
import { startHttpServer } from "../support/http.ts";
import { systemTest } from "../support/system.ts";

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

systemTest(
  "sandbox: command and task steps cannot write outside their grant",
  ["bwrap"],
  async () => {
    const outside = await Deno.makeTempDir({ prefix: "cw-acc-outside-" });
    const home = Deno.env.get("HOME") ?? "/root";
    const homeMarker = join(home, `cw-acc-${crypto.randomUUID()}`);
    try {
      const r = await runCli(["apply", "--auto-approve"], {
        files: {
          "main.cw": `
resource "directory" "granted" {
  path = "\${path.root}/granted"
}
resource "command" "sh" {
  run     = "echo x > ${outside}/sh; echo x > ${homeMarker}; echo x > \${path.root}/escape; touch \${path.root}/granted/ok"
  cwd     = directory.granted.path
}
resource "task" "py" {
  lang   = "python3"
  script = "open('${outside}/py', 'w').write('x')"
}
`,
        },
      });
      assert.equal(r.code, 1, "the python task's write outside its grant must fail it");
      assert.ok(r.stderr.includes("task.py"), r.stderr);
      assert.ok(exists(join(r.dir, "granted/ok")), "a write inside the grant works");
      assert.deepEqual([...Deno.readDirSync(outside)].map((e) => e.name), []);
      assert.ok(!exists(homeMarker), "a step wrote into $HOME");
      assert.ok(!exists(join(r.dir, "escape")), "a step wrote beside its grant");
    } finally {
      await Deno.remove(outside, { recursive: true });
      await Deno.remove(homeMarker).catch(() => {});
    }
  },
);

systemTest("sandbox: a step has no network unless it asks for it", ["bwrap"], async () => {
  const server = startHttpServer(() => new Response("hi"));
  try {
    const r = await runCli(["apply", "--auto-approve"], {
      files: {
        "main.cw": `
resource "command" "net" {
  run         = "exec 3<>/dev/tcp/127.0.0.1/${server.port} && echo connected"
  interpreter = ["bash", "-c"]
}
`,
      },
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const logDir = join(r.dir, ".clockwork/logs");
    const logs = [...Deno.readDirSync(logDir)].flatMap((run) =>
      [...Deno.readDirSync(join(logDir, run.name))].map((f) =>
        Deno.readTextFileSync(join(logDir, run.name, f.name))
      )
    );
    assert.ok(!logs.join("").includes("connected"), logs.join("\n"));
  } finally {
    await server.close();
  }
});

// BROKEN at review time: the sandbox mounts a private tmpfs on /tmp, so an
// undeclared write to /tmp "succeeds" inside the step, apply reports the
// resource created, and the file never exists. DESIGN.md promises a read-only
// filesystem outside the grant: the write must fail (or, if allowed, land).
systemTest(
  "sandbox: an undeclared write to /tmp is never reported as success while nothing was written",
  ["bwrap"],
  async () => {
    const target = join("/tmp", `cw-acc-undeclared-${crypto.randomUUID()}`);
    try {
      const r = await runCli(["apply", "--auto-approve"], {
        files: { "main.cw": `resource "command" "w" {\n  run = "echo hi > ${target}"\n}\n` },
      });
      const landed = exists(target);
      assert.ok(
        r.code !== 0 || landed,
        `apply exited ${r.code} ("created") but ${target} does not exist:\n${r.stdout}`,
      );
    } finally {
      await Deno.remove(target).catch(() => {});
    }
  },
);

// BROKEN at review time: the delete step of a `command` is not granted the path
// its `creates` names, so the canonical `run = "touch X"`, `creates = "X"`,
// `destroy = "rm X"` fails on destroy ("Read-only file system", or "No such file"
// under /tmp) and X stays behind. Same for a `task` with `creates` + `destroy`.
Deno.test("destroy: a command's and a task's destroy may remove what their creates declares", async () => {
  const r = await runCli(["apply", "--auto-approve"], {
    files: {
      "main.cw": `
resource "directory" "d" {
  path = "\${path.root}/d"
}
resource "command" "c" {
  run        = "touch \${path.root}/d/c-marker"
  creates    = "\${path.root}/d/c-marker"
  destroy    = "rm \${path.root}/d/c-marker"
  depends_on = [directory.d]
}
resource "task" "t" {
  lang       = "sh"
  script     = "touch \${path.root}/d/t-marker"
  creates    = "\${path.root}/d/t-marker"
  destroy    = "rm \${path.root}/d/t-marker"
  depends_on = [directory.d]
}
`,
    },
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.ok(exists(join(r.dir, "d/c-marker")) && exists(join(r.dir, "d/t-marker")));
  const destroy = await runCli([
    "destroy",
    "--auto-approve",
    "--target",
    "command.c",
    "--target",
    "task.t",
  ], {
    cwd: r.dir,
  });
  assert.equal(destroy.code, 0, destroy.stdout + destroy.stderr);
  assert.ok(!exists(join(r.dir, "d/c-marker")), "command.c's destroy did not remove its file");
  assert.ok(!exists(join(r.dir, "d/t-marker")), "task.t's destroy did not remove its file");
});

// BROKEN at review time: the security scan refuses a task that writes an
// undeclared path and advises "declare the path in `writes`", but the
// configuration rejects `writes` (CW2004 Unsupported argument), so the advice
// cannot be followed.
Deno.test("scan: the advice to declare `writes` can be followed", async () => {
  const target = "${path.root}/elsewhere/out.txt";
  const refused = await runCli(["compile"], {
    files: {
      "main.cw":
        `resource "task" "t" {\n  lang   = "bash"\n  script = "echo x > /etc/cw-acceptance-never"\n}\n`,
    },
  });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /CW4022/);
  assert.match(refused.stderr, /`writes`/);
  const followed = await runCli(["validate"], {
    files: {
      "main.cw":
        `resource "task" "t" {\n  lang   = "bash"\n  script = "echo x > ${target}"\n  writes = ["${target}"]\n}\n`,
    },
  });
  assert.equal(followed.code, 0, followed.stderr);
});

// BROKEN at review time: a symlinked `.clockwork/build` is followed — the
// manifest and scripts are written into the link's target and (outside /tmp)
// the steps run there with write access to it. Issue 5: "no symlink escape".
Deno.test("bundle: a symlinked .clockwork/build is refused before anything is written", async () => {
  const outside = await Deno.makeTempDir({ prefix: "cw-acc-build-escape-" });
  try {
    const dir = await Deno.makeTempDir({ prefix: "cw-acc-build-link-" });
    Deno.mkdirSync(join(dir, ".clockwork"));
    Deno.symlinkSync(outside, join(dir, ".clockwork/build"));
    const r = await runCli(["apply", "--auto-approve"], {
      cwd: dir,
      files: { "main.cw": `resource "command" "c" {\n  run = "echo ran > ran.txt"\n}\n` },
    });
    assert.deepEqual([...Deno.readDirSync(outside)].map((e) => e.name), []);
    assert.equal(r.code, 1, r.stdout + r.stderr);
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});

// BROKEN at review time: `run` guards the image with "--", but `image inspect`
// and `pull` do not: `image = "--privileged"` runs `podman pull --privileged`
// (the log shows "unknown flag"). A value must never become a runtime option.
systemTest(
  "container: an image value starting with '-' never reaches the runtime as an option",
  ["podman"],
  async () => {
    const r = await runCli(["apply", "--auto-approve", "--json"], {
      files: {
        "main.cw":
          `resource "container" "c" {\n  image   = "--privileged"\n  name    = "cw-acc-dash-image"\n  runtime = "podman"\n}\n`,
      },
    });
    assert.equal(r.code, 1, "there is no such image");
    const logDir = join(r.dir, ".clockwork/logs");
    const commands: string[][] = [];
    if (exists(logDir)) {
      for (const run of Deno.readDirSync(logDir)) {
        for (const f of Deno.readDirSync(join(logDir, run.name))) {
          const text = Deno.readTextFileSync(join(logDir, run.name, f.name));
          for (const line of text.split("\n")) {
            if (line.startsWith("$ ")) commands.push(line.slice(2).split(" "));
          }
        }
      }
    }
    for (const argv of commands) {
      const at = argv.indexOf("--privileged");
      if (at >= 0) {
        assert.ok(
          argv.slice(0, at).includes("--"),
          `the image became an option: ${argv.join(" ")}`,
        );
      }
    }
  },
);
