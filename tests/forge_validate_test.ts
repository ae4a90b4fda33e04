import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type Bundle,
  compileBundle,
  scanArtifact,
  validateBundle,
  verifyWrittenBundle,
  writeBundle,
} from "../src/forge/mod.ts";
import { testPlan, testResource } from "../src/forge/testing.ts";

const root = "/srv/site";
const buildDir = `${root}/.clockwork/build`;

function taskBundle(script: string, lang = "bash", extra: Record<string, unknown> = {}) {
  const plan = testPlan([testResource("task", "t", { script, lang, ...extra })]);
  const bundle = compileBundle(plan, { rootDir: root }).value;
  return { plan, bundle };
}

function codes(bundle: Bundle, plan: ReturnType<typeof testPlan>): string[] {
  return validateBundle(bundle, plan, buildDir).map((d) => d.code);
}

Deno.test("validate: a clean bundle passes", () => {
  const { plan, bundle } = taskBundle("echo hello > /srv/site/out.txt\n", "bash", {
    writes: ["/srv/site/out.txt"],
  });
  assert.deepEqual(validateBundle(bundle, plan, buildDir), []);
});

Deno.test("validate: artifact paths must stay inside the build directory", () => {
  for (const path of ["../evil.sh", "/etc/evil.sh", "scripts/../../evil.sh", "./scripts/x.sh"]) {
    const { plan, bundle } = taskBundle("true\n");
    bundle.artifacts[1].path = path;
    assert.ok(codes(bundle, plan).includes("CW4010"), path);
  }
});

Deno.test("validate: runtimes come from the allowlist, for the step and after a template guard", () => {
  const { plan, bundle } = taskBundle("true\n");
  bundle.steps[0].argv[0] = "/usr/bin/perl";
  assert.ok(codes(bundle, plan).includes("CW4011"));
  const second = taskBundle("true\n");
  second.bundle.steps[0].argv[2] = "ruby";
  assert.ok(codes(second.bundle, second.plan).includes("CW4011"));
  const third = compileBundle(
    testPlan([testResource("command", "c", { run: "true", interpreter: ["perl", "-e"] })]),
    { rootDir: root },
  );
  assert.ok(
    validateBundle(third.value, testPlan([testResource("command", "c", { run: "true" })]), buildDir)
      .some((d) => d.code === "CW4011"),
  );
});

Deno.test("validate: every step's purpose matches a planned action", () => {
  const { plan, bundle } = taskBundle("true\n");
  bundle.steps[0].purpose = "task.t:delete";
  assert.ok(codes(bundle, plan).includes("CW4012"));
  const other = taskBundle("true\n");
  other.bundle.steps[0].action = "delete";
  assert.ok(codes(other.bundle, other.plan).includes("CW4012"));
  const stray = taskBundle("true\n");
  stray.bundle.artifacts[0].purpose = "file.other:create";
  assert.ok(codes(stray.bundle, stray.plan).includes("CW4012"));
});

Deno.test("validate: modes at most 0755", () => {
  for (const mode of ["4755", "0777", "0757", "rwx"]) {
    const { plan, bundle } = taskBundle("true\n");
    bundle.artifacts[1].mode = mode;
    assert.ok(codes(bundle, plan).includes("CW4013"), mode);
  }
});

Deno.test("validate: shebangs agree with lang", () => {
  assert.ok(
    codes(...swap(taskBundle("#!/usr/bin/env python3\nprint(1)\n", "bash"))).includes("CW4014"),
  );
  assert.ok(
    !codes(...swap(taskBundle("#!/usr/bin/env python3\nprint(1)\n", "python3"))).includes("CW4014"),
  );
  assert.ok(!codes(...swap(taskBundle("#!/bin/bash\ntrue\n", "bash"))).includes("CW4014"));
  assert.ok(codes(...swap(taskBundle("#!/bin/bash\ntrue\n", "deno"))).includes("CW4014"));
});

function swap(
  x: { plan: ReturnType<typeof testPlan>; bundle: Bundle },
): [Bundle, ReturnType<typeof testPlan>] {
  return [x.bundle, x.plan];
}

Deno.test("scan: dangerous patterns in user scripts are refused with artifact and line", () => {
  const cases: [string, string, string][] = [
    ["rm -rf /", "bash", "CW4020"],
    ["rm -rf / --no-preserve-root", "bash", "CW4020"],
    ['rm -r -f "$HOME"', "bash", "CW4020"],
    ["rm -fr ~/", "sh", "CW4020"],
    ["rm --recursive /*", "bash", "CW4020"],
    ["import shutil; shutil.rmtree('/')", "python3", "CW4020"],
    ['await Deno.remove("/", { recursive: true });', "deno", "CW4020"],
    ["curl -fsSL https://example.com/install.sh | sh", "bash", "CW4021"],
    ["wget -qO- http://x/y | sudo bash", "bash", "CW4021"],
    ["bash <(curl -s http://x)", "bash", "CW4021"],
    ["echo pwned > /etc/passwd", "bash", "CW4022"],
    ["echo x >> ~/.bashrc", "bash", "CW4022"],
    ["echo x | tee -a /etc/hosts", "sh", "CW4022"],
    ["echo x > /tmp/undeclared", "bash", "CW4022"],
    ["chmod u+s /usr/bin/thing", "bash", "CW4023"],
    ["chmod 4755 ./x", "bash", "CW4023"],
    ["chown root:root /srv/site/x", "bash", "CW4023"],
    ["sudo apt-get install foo", "bash", "CW4023"],
    ["import os; os.setuid(0)", "python3", "CW4023"],
  ];
  for (const [line, lang, code] of cases) {
    const { bundle } = taskBundle(`echo start\n${line}\n`, lang);
    const script = bundle.artifacts.find((a) => a.origin === "user")!;
    const found = scanArtifact(script, { writes: [], buildDir, address: "task.t" });
    assert.ok(found.some((d) => d.code === code), `${line} → ${code}: ${JSON.stringify(found)}`);
    const hit = found.find((d) => d.code === code)!;
    assert.match(hit.summary, new RegExp(`${script.path.replaceAll(".", "\\.")}: line 2`));
    assert.equal(hit.address, "task.t");
  }
});

Deno.test("scan: ordinary scripts, declared writes, $TMPDIR and comments pass; templates are not scanned", () => {
  const ok = [
    "rm -rf ./build",
    "rm -rf /srv/site/cache",
    "echo x > /srv/site/out.txt",
    "echo x > /dev/null 2>&1",
    'echo x > "$TMPDIR/scratch"',
    "# sudo is mentioned only in a comment",
    "curl -fsSL https://example.com -o page.html",
    "chmod 0644 /srv/site/out.txt",
  ];
  const { bundle } = taskBundle(ok.join("\n") + "\n", "bash");
  const script = bundle.artifacts.find((a) => a.origin === "user")!;
  assert.deepEqual(
    scanArtifact(script, { writes: ["/srv/site/out.txt", "/srv/site/cache"], buildDir }),
    [],
  );
  const template = { ...script, origin: "template" as const, content: "sudo rm -rf /\n" };
  assert.deepEqual(scanArtifact(template, { writes: [], buildDir }), []);
});

Deno.test("validate: writes of /, top-level directories or $HOME are refused", () => {
  for (const w of ["/", "/etc", "/tmp"]) {
    const { plan, bundle } = taskBundle("true\n", "bash", { writes: [w] });
    assert.ok(codes(bundle, plan).includes("CW4031"), w);
  }
});

Deno.test("verifyWrittenBundle: a symlinked build directory escape is caught", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cw-forge-" });
  const outside = await Deno.makeTempDir({ prefix: "cw-outside-" });
  const build = join(dir, ".clockwork/build");
  const plan = testPlan([testResource("task", "t", { script: "true\n" })]);
  const bundle = compileBundle(plan, { rootDir: dir }).value;
  writeBundle(bundle, build);
  assert.deepEqual(verifyWrittenBundle(bundle, build), []);
  // Replace scripts/ with a symlink pointing outside: artifacts now resolve elsewhere.
  Deno.renameSync(join(build, "scripts"), join(outside, "scripts"));
  Deno.symlinkSync(join(outside, "scripts"), join(build, "scripts"));
  assert.ok(verifyWrittenBundle(bundle, build).some((d) => d.code === "CW4015"));
  // writeBundle removes the planted link and writes real files again.
  writeBundle(bundle, build);
  assert.deepEqual(verifyWrittenBundle(bundle, build), []);
  assert.ok(Deno.statSync(join(outside, "scripts")).isDirectory);
});

Deno.test("validate: setuid and setgid modes on files and directories are refused", () => {
  for (const [type, mode] of [["file", "4755"], ["directory", "2775"], ["file", "6644"]]) {
    const plan = testPlan([testResource(type, "x", { path: "/srv/site/x", content: "", mode })]);
    const bundle = compileBundle(plan, { rootDir: root }).value;
    assert.ok(codes(bundle, plan).includes("CW4023"), `${type} ${mode}`);
  }
  const sticky = testPlan([testResource("directory", "t", { path: "/srv/site/t", mode: "1777" })]);
  assert.deepEqual(codes(compileBundle(sticky, { rootDir: root }).value, sticky), []);
});
