/**
 * What is ours and what a failure leaves, through the real CLI and podman:
 * a same-named container without Clockwork's address label is never taken
 * for ours; a container that fails at create is removed (its output stays in
 * the step log); a failed replace keeps the old container when the new one
 * is created first.
 */
import assert from "node:assert/strict";
import { ADDRESS_LABEL, containerSpec, runtimeFor } from "../plugins/runner-container/runtime.ts";
import { runtimePrograms } from "../src/cli/container_runner.ts";
import { makeTempDir, runCli } from "./support/cli.ts";
import { systemTest, TEST_IMAGE } from "./support/system.ts";

const decoder = new TextDecoder();

async function podman(...args: string[]): Promise<{ code: number; out: string }> {
  const ran = await new Deno.Command("podman", { args, stdin: "null", stderr: "null" }).output();
  return { code: ran.code, out: decoder.decode(ran.stdout).trim() };
}

/** Names of every container, ours or not, whose name starts with `prefix`. */
async function containersNamed(prefix: string): Promise<string[]> {
  const { out } = await podman("ps", "-a", "--filter", `name=^${prefix}`, "--format", "{{.Names}}");
  return out.split("\n").filter((n) => n !== "").sort();
}

async function removeContainersNamed(prefix: string): Promise<void> {
  for (const name of await containersNamed(prefix)) await podman("rm", "-f", "-t", "0", name);
}

async function labelled(address: string): Promise<string[]> {
  const { out } = await podman(
    "ps",
    "-a",
    "--filter",
    `label=${ADDRESS_LABEL}=${address}`,
    "--format",
    "{{.Names}}",
  );
  return out.split("\n").filter((n) => n !== "").sort();
}

const idOf = async (name: string) => (await podman("inspect", "--format", "{{.Id}}", name)).out;
const statusOf = async (name: string) =>
  (await podman("inspect", "--format", "{{.State.Status}}", name)).out;

/**
 * A project with one container resource; resource names are unique per test,
 * because the address label is what the runtime finds containers by.
 */
async function containerProject(resource: string, name: string) {
  const dir = await makeTempDir("cw-container-failures-");
  const write = (command: string[], createFirst = false) =>
    Deno.writeTextFile(
      `${dir}/main.cw`,
      `resource "container" "${resource}" {
  image   = "${TEST_IMAGE}"
  name    = "${name}"
  command = ${JSON.stringify(command)}
  lifecycle {
    create_before_destroy = ${createFirst}
  }
}
`,
    );
  const cli = (...args: string[]) => runCli(args, { cwd: dir });
  return { dir, write, cli };
}

const unique = () => `t${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const SLEEP = ["sleep", "600"];
const DYING = ["sh", "-c", "echo dying of a broken config; exit 3"];

systemTest(
  "a same-named container without Clockwork's label is not ours: plan creates, apply refuses",
  ["podman", "busybox-image"],
  async () => {
    const resource = unique();
    const name = `cw-${resource}`;
    const { dir, write, cli } = await containerProject(resource, name);
    try {
      await write(SLEEP);
      const applied = await cli("apply", "--auto-approve");
      assert.equal(applied.code, 0, applied.stdout + applied.stderr);
      await podman("rm", "-f", "-t", "0", name);
      await podman("run", "--detach", "--name", name, TEST_IMAGE, "sleep", "600");
      const foreign = await idOf(name);

      const plan = await cli("plan", "--detailed-exitcode");
      assert.equal(plan.code, 2, plan.stdout + plan.stderr);
      assert.match(plan.stdout, /container no longer exists/);
      assert.match(plan.stdout, /Plan: 1 to add, 0 to change, 0 to destroy/);
      const daemon = await cli("daemon", "--once", "--auto-fix", "none");
      assert.match(daemon.stdout + daemon.stderr, /1 difference/);

      const apply = await cli("apply", "--auto-approve");
      assert.equal(apply.code, 1, apply.stdout + apply.stderr);
      assert.match(
        apply.stderr,
        new RegExp(`a container named "${name}" already exists and was not created by Clockwork`),
      );
      assert.equal(await idOf(name), foreign);
      assert.equal(await statusOf(name), "running");
      const destroyed = await cli("destroy", "--auto-approve");
      assert.equal(destroyed.code, 0, destroyed.stdout + destroyed.stderr);
      assert.equal(await idOf(name), foreign, "destroy removed a container it did not create");
    } finally {
      await removeContainersNamed(name);
      await Deno.remove(dir, { recursive: true });
    }
  },
);

systemTest(
  "a container that dies at create is removed after its output is logged, and not recorded",
  ["podman", "busybox-image"],
  async () => {
    const resource = unique();
    const name = `cw-${resource}`;
    const { dir, write, cli } = await containerProject(resource, name);
    try {
      await write(DYING);
      const apply = await cli("apply", "--auto-approve");
      assert.equal(apply.code, 1, apply.stdout + apply.stderr);
      assert.match(apply.stdout, /exited right after starting.*dying of a broken config/);
      const logPath = /\(log: ([^)]+)\)/.exec(apply.stdout)?.[1];
      assert.ok(logPath, apply.stdout);
      const log = await Deno.readTextFile(logPath);
      // Its output first, then its removal.
      assert.ok(
        log.indexOf("dying of a broken config") < log.indexOf(`$ podman rm --force ${name}`),
        log,
      );
      assert.deepEqual(await containersNamed(name), []);
      assert.equal((await cli("state", "list")).stdout.trim(), "");
      const destroy = await cli("destroy", "--auto-approve");
      assert.equal(destroy.code, 0, destroy.stdout + destroy.stderr);
      assert.match(destroy.stdout, /No changes/);
    } finally {
      await removeContainersNamed(name);
      await Deno.remove(dir, { recursive: true });
    }
  },
);

systemTest(
  "a failed create_before_destroy replace keeps the old container running and recorded",
  ["podman", "busybox-image"],
  async () => {
    const resource = unique();
    const name = `cw-${resource}`;
    const { dir, write, cli } = await containerProject(resource, name);
    try {
      await write(SLEEP, true);
      assert.equal((await cli("apply", "--auto-approve")).code, 0);
      const old = await idOf(name);

      await write(DYING, true);
      const apply = await cli("apply", "--auto-approve");
      assert.equal(apply.code, 1, apply.stdout + apply.stderr);
      assert.match(apply.stdout, /exited right after starting/);
      assert.equal(await idOf(name), old);
      assert.equal(await statusOf(name), "running");
      assert.deepEqual(await labelled(`container.${resource}`), [name]);
      // State still records the old one: the plan is the same replace again.
      const plan = await cli("plan", "--detailed-exitcode");
      assert.equal(plan.code, 2, plan.stdout + plan.stderr);
      assert.match(plan.stdout, /must be replaced/);
      assert.doesNotMatch(plan.stdout, /no longer exists/);

      await write(SLEEP, true);
      const back = await cli("plan", "--detailed-exitcode");
      assert.equal(back.code, 0, back.stdout + back.stderr);
    } finally {
      await removeContainersNamed(name);
      await Deno.remove(dir, { recursive: true });
    }
  },
);

systemTest(
  "a failed replace in the default order removes the old one first and leaves nothing unrecorded",
  ["podman", "busybox-image"],
  async () => {
    const resource = unique();
    const name = `cw-${resource}`;
    const { dir, write, cli } = await containerProject(resource, name);
    try {
      await write(SLEEP);
      assert.equal((await cli("apply", "--auto-approve")).code, 0);

      await write(DYING);
      const apply = await cli("apply", "--auto-approve");
      assert.equal(apply.code, 1, apply.stdout + apply.stderr);
      assert.match(apply.stdout, /destroyed/);
      assert.deepEqual(await containersNamed(name), []);
      assert.equal((await cli("state", "list")).stdout.trim(), "");
      const plan = await cli("plan", "--detailed-exitcode");
      assert.equal(plan.code, 2);
      assert.match(plan.stdout, /Plan: 1 to add, 0 to change, 0 to destroy/);
    } finally {
      await removeContainersNamed(name);
      await Deno.remove(dir, { recursive: true });
    }
  },
);

systemTest(
  "a run that cannot start (its port is taken) leaves no container, and a stopped one it replaces comes back",
  ["podman", "busybox-image"],
  async () => {
    const resource = unique();
    const address = `container.${resource}`;
    const name = `cw-${resource}`;
    using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (taken.addr as Deno.NetAddr).port;
    const runtime = await runtimeFor(runtimePrograms(), "podman");
    try {
      const first = await runtime.create(
        containerSpec(address, { image: TEST_IMAGE, name, command: SLEEP }),
      );
      await podman("stop", "--time", "0", name);
      const spec = containerSpec(address, {
        image: TEST_IMAGE,
        name,
        command: SLEEP,
        ports: [`127.0.0.1:${port}:8080`],
      });
      await assert.rejects(runtime.create(spec), /could not start container/);
      assert.deepEqual(await containersNamed(name), [name]);
      assert.equal(await idOf(name), first.id);
      assert.equal(await statusOf(name), "exited");
    } finally {
      await removeContainersNamed(name);
    }
  },
);
