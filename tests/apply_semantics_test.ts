/**
 * What `apply` owes beyond running steps, through the real CLI: a saved plan
 * is applied as it was made (no --target beside it); assertions a stopped
 * apply did not run are run by the next one; check blocks run even when
 * nothing changes; a refusal to go on without confirmation is an event in
 * --json mode.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "./support/cli.ts";
import { applyKilledDuring, lines, project } from "./apply_support_test.ts";

type Event = Record<string, unknown>;

function ofType(stdout: string, type: string): Event[] {
  return lines(stdout).filter((e) => e.type === type);
}

function explain(run: { code: number; stdout: string; stderr: string }): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

function stateOf(dir: string): { resources: { address: string; assertionsPending?: boolean }[] } {
  return JSON.parse(Deno.readTextFileSync(join(dir, ".clockwork/state.json")));
}

const TWO_FILES = `
resource "file" "a" {
  path    = "\${path.root}/a.txt"
  content = "a\\n"
}
resource "file" "b" {
  path    = "\${path.root}/b.txt"
  content = "b\\n"
}
`;

Deno.test("apply PLANFILE --target is refused (CW3009) and changes nothing", async () => {
  const planned = await runCli(["plan", "--out", "t.plan"], { files: { "main.cw": TWO_FILES } });
  assert.equal(planned.code, 0, explain(planned));
  const dir = planned.dir;

  const human = await runCli(["apply", "t.plan", "--target", "file.b"], { cwd: dir });
  assert.equal(human.code, 1, explain(human));
  assert.match(human.stderr, /CW3009/);
  assert.match(human.stderr, /--target cannot be used when applying a saved plan/);
  assert.match(human.stderr, /clockwork plan --target file\.b --out FILE/);

  const json = await runCli(["apply", "t.plan", "--target=file.b", "--json"], { cwd: dir });
  assert.equal(json.code, 1, explain(json));
  assert.deepEqual(ofType(json.stdout, "diagnostic").map((d) => d.code), ["CW3009"]);
  assert.equal(ofType(json.stdout, "step_start").length, 0);

  for (const name of ["a.txt", "b.txt", ".clockwork/state.json"]) {
    assert.throws(() => Deno.statSync(join(dir, name)), `${name} was written`);
  }
  // The plan itself is still good to apply whole.
  const whole = await runCli(["apply", "t.plan"], { cwd: dir });
  assert.equal(whole.code, 0, explain(whole));
  assert.equal(Deno.readTextFileSync(join(dir, "b.txt")), "b\n");
});

const OWED = (run: string) => `
resource "file" "a" {
  path    = "\${path.root}/a.txt"
  content = "hello\\n"

  assert "file_content" { pattern = "zzz" }
}
resource "command" "bad" {
  run        = "${run}"
  depends_on = [file.a]
}
`;

Deno.test("assertions of a resource recorded by a failed apply run at the next apply", async () => {
  const failed = await runCli(["apply", "--auto-approve", "--json"], {
    files: { "main.cw": OWED("exit 7") },
  });
  assert.equal(failed.code, 1, explain(failed));
  assert.equal(ofType(failed.stdout, "assert_result").length, 0);
  const dir = failed.dir;
  const recorded = stateOf(dir).resources.find((r) => r.address === "file.a");
  assert.equal(recorded?.assertionsPending, true, "file.a is recorded as owing its assertions");

  Deno.writeTextFileSync(join(dir, "main.cw"), OWED("true"));
  const fixed = await runCli(["apply", "--auto-approve", "--json"], { cwd: dir });
  assert.equal(fixed.code, 3, explain(fixed));
  const results = ofType(fixed.stdout, "assert_result");
  assert.deepEqual(results.map((r) => [r.address, r.kind, r.passed]), [
    ["file.a", "file_content", false],
  ]);
  assert.equal(lines(fixed.stdout).at(-1)!.type, "summary");
  assert.equal(
    stateOf(dir).resources.find((r) => r.address === "file.a")?.assertionsPending,
    undefined,
  );

  // Owed once: the next apply has nothing to change and nothing owed.
  const again = await runCli(["apply", "--auto-approve", "--json"], { cwd: dir });
  assert.equal(again.code, 0, explain(again));
  assert.equal(ofType(again.stdout, "assert_result").length, 0);
});

Deno.test("an apply with no changes runs what a failed apply owed (human output, exit 3)", async () => {
  const failed = await runCli(["apply", "--auto-approve"], {
    files: { "main.cw": OWED("exit 7") },
  });
  assert.equal(failed.code, 1, explain(failed));
  const dir = failed.dir;
  // command.bad is dropped: the plan has no steps, only file.a's assertions to run.
  Deno.writeTextFileSync(
    join(dir, "main.cw"),
    OWED("exit 7").replace(/resource "command"[^]*$/, ""),
  );
  const next = await runCli(["apply", "--auto-approve"], { cwd: dir });
  assert.equal(next.code, 3, explain(next));
  assert.match(next.stdout, /No changes\./);
  assert.match(next.stdout, /✗ +file\.a +file_content/);
  assert.match(next.stdout, /0 passed, 1 failed\./);
  const after = await runCli(["apply", "--auto-approve"], { cwd: dir });
  assert.equal(after.code, 0, explain(after));
  assert.doesNotMatch(after.stdout, /file_content/);
});

Deno.test("assertions owed by a killed apply run at the next apply", async () => {
  const dir = await project({
    "main.cw": `
resource "file" "a" {
  path    = "\${path.root}/a.txt"
  content = "hello\\n"

  assert "file_content" { pattern = "^hello" }
}
resource "command" "slow" {
  run        = "sleep 30"
  depends_on = [file.a]
}
`,
  });
  await applyKilledDuring(dir, "command.slow");

  const unlocked = await runCli(["force-unlock"], { cwd: dir });
  assert.equal(unlocked.code, 0, explain(unlocked));
  Deno.writeTextFileSync(
    join(dir, "main.cw"),
    Deno.readTextFileSync(join(dir, "main.cw")).replace("sleep 30", "true"),
  );
  const next = await runCli(["apply", "--auto-approve", "--json"], { cwd: dir });
  assert.equal(next.code, 0, explain(next));
  assert.deepEqual(ofType(next.stdout, "step_start").map((e) => e.address), ["command.slow"]);
  assert.deepEqual(ofType(next.stdout, "assert_result").map((r) => [r.address, r.passed]), [
    ["file.a", true],
  ]);
});

const WITH_CHECK = (path: string) => `
resource "file" "a" {
  path    = "\${path.root}/a.txt"
  content = "a\\n"
}
check "c" {
  assert "file_exists" { path = "${path}" }
}
`;

Deno.test("an apply with no changes still runs the check blocks: exit 3 while one fails", async () => {
  const first = await runCli(["apply", "--auto-approve"], {
    files: { "main.cw": WITH_CHECK("/nonexistent/clockwork-check") },
  });
  assert.equal(first.code, 3, explain(first));
  const dir = first.dir;

  const json = await runCli(["apply", "--auto-approve", "--json"], { cwd: dir });
  assert.equal(json.code, 3, explain(json));
  assert.equal(ofType(json.stdout, "step_start").length, 0);
  assert.deepEqual(ofType(json.stdout, "assert_result").map((r) => [r.address, r.passed]), [
    ["check.c", false],
  ]);
  assert.equal(lines(json.stdout).at(-1)!.type, "summary");

  const human = await runCli(["apply", "--auto-approve"], { cwd: dir });
  assert.equal(human.code, 3, explain(human));
  assert.match(human.stdout, /No changes\./);
  assert.match(human.stdout, /✗ +check\.c +file_exists/);

  // Once what it checks is there, the same no-change apply passes.
  Deno.writeTextFileSync(join(dir, "main.cw"), WITH_CHECK("${path.root}/a.txt"));
  const passing = await runCli(["apply", "--auto-approve", "--json"], { cwd: dir });
  assert.equal(passing.code, 0, explain(passing));
  assert.deepEqual(ofType(passing.stdout, "assert_result").map((r) => [r.address, r.passed]), [
    ["check.c", true],
  ]);
});

Deno.test("apply/destroy --json without a terminal or --auto-approve: the refusal is a diagnostic event", async () => {
  const run = await runCli(["apply", "--json"], { files: { "main.cw": TWO_FILES } });
  assert.equal(run.code, 1, explain(run));
  const events = lines(run.stdout);
  assert.deepEqual(events.map((e) => e.type), ["plan", "diagnostic"]);
  assert.equal(events[1].code, "CW9204");
  assert.equal(events[1].severity, "error");
  assert.match(String(events[1].summary), /without confirmation/);
  assert.match(String(events[1].detail), /--auto-approve/);
  assert.throws(() => Deno.statSync(join(run.dir, "a.txt")));

  const applied = await runCli(["apply", "--auto-approve"], { cwd: run.dir });
  assert.equal(applied.code, 0, explain(applied));
  const destroy = await runCli(["destroy", "--json"], { cwd: run.dir });
  assert.equal(destroy.code, 1, explain(destroy));
  const refused = ofType(destroy.stdout, "diagnostic");
  assert.deepEqual(refused.map((d) => d.code), ["CW9204"]);
  assert.match(String(refused[0].summary), /clockwork destroy/);
  assert.equal(Deno.readTextFileSync(join(run.dir, "a.txt")), "a\n");
});
