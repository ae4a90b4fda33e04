/**
 * The container template compiles to an in-process op, and the
 * runner-container plugin (in its Worker) carries the step out.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { compileBundle } from "../src/forge/mod.ts";
import { testPlan, testResource } from "../src/forge/testing.ts";
import type { BundleStep } from "../src/forge/mod.ts";
import { containerOpOf, isContainerStep } from "../src/exec/_container_step.ts";
import { ADDRESS_LABEL } from "../plugins/runner-container/runtime.ts";
import { ContainerRunner } from "../src/cli/container_runner.ts";
import { BUILTIN_PLUGINS } from "../plugins/builtins.ts";
import { assertBundlesMatchSources } from "./support/bundles.ts";
import { freePort, waitForPort } from "./support/free_port.ts";
import { systemTest, TEST_IMAGE } from "./support/system.ts";

const decoder = new TextDecoder();

async function podman(...args: string[]): Promise<string> {
  const out = await new Deno.Command("podman", { args, stdin: "null" }).output();
  return decoder.decode(out.stdout).trim();
}

async function runContainerStep(step: BundleStep, logDir: string) {
  using runner = new ContainerRunner(logDir);
  return await runner.runStep(step, containerOpOf(step)!, { logDir });
}

Deno.test("container template: one op with the attributes as data, network on", () => {
  const resource = testResource("container", "web", {
    image: TEST_IMAGE,
    ports: ["127.0.0.1:8080:8080"],
    env: { NOTE: "$(rm -rf /)" },
  }, { moduleDir: "/srv/site" });
  const { value: bundle, diagnostics } = compileBundle(testPlan([resource]), { rootDir: "/srv" });
  assert.deepEqual(diagnostics, []);
  const [step] = bundle.steps;
  assert.ok(step && isContainerStep(step));
  assert.deepEqual(step.argv, []);
  assert.equal(step.network, true);
  assert.deepEqual(bundle.artifacts, []);
  assert.deepEqual(step.inProcess, [{
    op: "container",
    action: "create",
    address: "container.web",
    attributes: resource.attributes,
    baseDir: "/srv/site",
    sensitive: [],
    containerId: null,
  }]);

  const broken = compileBundle(
    testPlan([testResource("container", "bad", { runtime: "lxc" })]),
    { rootDir: "/srv" },
  );
  assert.deepEqual(broken.diagnostics.map((d) => d.code), ["CW4002", "CW4002"]);
});

systemTest(
  "container steps create and delete a real container, logging the runtime's output",
  ["podman", "busybox-image"],
  async () => {
    const root = await Deno.makeTempDir({ prefix: "cw-step-" });
    await Deno.mkdir(join(root, "site"));
    await Deno.writeTextFile(join(root, "site/index.html"), "step page\n");
    const port = freePort();
    const name = `s${Date.now().toString(36)}`;
    const resource = testResource("container", name, {
      image: TEST_IMAGE,
      command: ["httpd", "-f", "-v", "-p", "8080", "-h", "/www"],
      ports: [`127.0.0.1:${port}:8080`],
      volumes: ["./site:/www:ro"], // relative to the module directory
      env: { API_TOKEN: "hunter2-very-secret" },
      runtime: "podman",
    }, { moduleDir: root, sensitiveAttributes: ["env"] });
    try {
      const create = compileBundle(testPlan([resource]), { rootDir: root }).value.steps[0]!;
      const created = await runContainerStep(create, join(root, "logs"));
      assert.equal(created.status, "ok", created.message ?? "");
      assert.equal(created.observed?.running, true);
      assert.match(String(created.observed?.config_digest), /^[0-9a-f]{64}$/);
      const log = await Deno.readTextFile(created.logPath!);
      assert.match(log, /\$ podman run --detach --name cw-s/);
      assert.match(log, /--env API_TOKEN=\(sensitive\) /);
      assert.doesNotMatch(log, /hunter2/);
      await waitForPort(port);
      assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), "step page\n");

      const remove = compileBundle(testPlan([resource], "delete"), { rootDir: root }).value
        .steps[0]!;
      const removed = await runContainerStep(remove, join(root, "logs"));
      assert.equal(removed.status, "ok", removed.message ?? "");
      assert.match(await Deno.readTextFile(removed.logPath!), /\$ podman rm --force cw-s/);
      assert.equal(
        await podman("ps", "-a", "--filter", `label=${ADDRESS_LABEL}=container.${name}`, "-q"),
        "",
      );

      const missingImage = testResource("container", `${name}x`, {
        image: `127.0.0.1:${freePort()}/nothing/here:1`,
        runtime: "podman",
      }, { moduleDir: root });
      const failing = compileBundle(testPlan([missingImage]), { rootDir: root }).value.steps[0]!;
      const failed = await runContainerStep(failing, join(root, "logs"));
      assert.equal(failed.status, "failed");
      assert.match(failed.message ?? "", /no registry could be reached/);
      assert.match(await Deno.readTextFile(failed.logPath!), /clockwork: image/);
    } finally {
      await podman("rm", "-f", "-t", "0", `cw-${name}`);
      await Deno.remove(root, { recursive: true });
    }
  },
);

systemTest(
  "container steps run in the runner-container Worker: a runtime outside its grant is refused",
  ["podman"],
  async () => {
    const root = await Deno.makeTempDir({ prefix: "cw-grant-" });
    const resource = testResource(
      "container",
      "refused",
      { image: TEST_IMAGE, runtime: "podman" },
      {
        moduleDir: root,
      },
    );
    const step = compileBundle(testPlan([resource]), { rootDir: root }).value.steps[0]!;
    try {
      // Granted only a harmless binary: podman exists but the Worker may not run it.
      using runner = new ContainerRunner(root, { run: ["/bin/true"] });
      assert.deepEqual(runner.granted, ["/bin/true"]);
      assert.equal(runner.started, false);
      const result = await runner.runStep(step, containerOpOf(step)!, {
        logDir: join(root, "logs"),
      });
      assert.equal(result.status, "failed");
      assert.match(result.message ?? "", /runner-container/);
      assert.match(result.message ?? "", /podman|run access|NotCapable|permission/i);
      assert.equal(runner.started, true);
      assert.equal(await podman("ps", "-a", "--filter", "name=^cw-refused$", "-q"), "");
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);

Deno.test("the embedded runner-container bundle matches its sources", async () => {
  await assertBundlesMatchSources(["runner-container"], BUILTIN_PLUGINS);
});
