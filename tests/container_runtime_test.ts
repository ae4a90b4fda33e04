/**
 * The runner-container plugin's runtime layer against real podman and the
 * local busybox image; observation goes through the plugin's Worker.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ADDRESS_LABEL,
  configDigest,
  ContainerError,
  type ContainerInspection,
  ContainerRuntime,
  containerSpec,
  defaultContainerName,
  detectRuntime,
  preferredRuntime,
  runArguments,
  runtimeFor,
} from "../plugins/runner-container/runtime.ts";
import type { ObserveItem } from "../src/exec/mod.ts";
import { ContainerRunner, runtimePrograms } from "../src/cli/container_runner.ts";
import { freePort, waitForPort } from "./support/free_port.ts";
import { systemTest, TEST_IMAGE } from "./support/system.ts";

const decoder = new TextDecoder();

async function podman(...args: string[]): Promise<string> {
  const out = await new Deno.Command("podman", { args, stdin: "null" }).output();
  return decoder.decode(out.stdout).trim();
}

const programs = runtimePrograms();

async function applyContainer(
  address: string,
  attributes: Record<string, unknown>,
  options: { log?: (text: string) => void } = {},
): Promise<ContainerInspection> {
  const spec = containerSpec(address, attributes, "/");
  return await (await runtimeFor(programs, spec.runtime, options.log)).create(spec);
}

async function destroyContainer(
  address: string,
  attributes: Record<string, unknown>,
  options: { log?: (text: string) => void } = {},
): Promise<void> {
  const runtime = await runtimeFor(programs, preferredRuntime(attributes.runtime), options.log);
  await runtime.destroy(address);
}

async function observeContainer(item: ObserveItem) {
  using runner = new ContainerRunner(Deno.cwd());
  const { observations, diagnostics } = await runner.observe([item]);
  assert.deepEqual(diagnostics, []);
  return observations[0]!;
}

const podmanRuntime = () => new ContainerRuntime("podman", programs.podman!);

const unique = () => `t${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

Deno.test("default names derive from the address", () => {
  assert.equal(defaultContainerName("container.web"), "cw-web");
  assert.equal(defaultContainerName("module.cache.container.redis"), "cw-module-cache-redis");
  assert.equal(defaultContainerName('container.web["a b"]'), "cw-web-a-b");
  assert.equal(defaultContainerName("container.web[0]"), "cw-web-0");
});

Deno.test("spec and run arguments: every value is its own argv element", async () => {
  const spec = containerSpec("container.web", {
    image: "busybox:1",
    ports: ["127.0.0.1:8080:80"],
    volumes: ["./site:/www:ro", "data:/data", "/abs:/abs"],
    env: { B: "two words; rm -rf /", A: 1 },
    command: ["httpd", "-f", "-p", "80"],
    restart: "unless-stopped",
    healthcheck: { command: "wget -q -O- http://127.0.0.1/", interval: "5s", retries: 3 },
  }, "/srv/conf");
  assert.equal(spec.name, "cw-web");
  assert.deepEqual(spec.volumes, ["/srv/conf/site:/www:ro", "data:/data", "/abs:/abs"]);
  assert.deepEqual(Object.keys(spec.env), ["A", "B"]);
  const args = await runArguments("podman", spec);
  assert.deepEqual(args.slice(0, 4), ["run", "--detach", "--name", "cw-web"]);
  assert.ok(args.includes(`${ADDRESS_LABEL}=container.web`));
  assert.ok(args.includes(`io.clockwork.config-digest=${await configDigest(spec)}`));
  assert.ok(args.includes("B=two words; rm -rf /"));
  assert.deepEqual(args.slice(args.indexOf("--health-cmd"), args.indexOf("--health-cmd") + 2), [
    "--health-cmd",
    "wget -q -O- http://127.0.0.1/",
  ]);
  assert.deepEqual(args.slice(-6), ["--", "busybox:1", "httpd", "-f", "-p", "80"]);

  const changed = containerSpec("container.web", { image: "busybox:1", env: { A: "2" } });
  const same = containerSpec("container.web", { image: "busybox:1", env: { A: 2 } });
  assert.equal(await configDigest(changed), await configDigest(same));
  assert.notEqual(await configDigest(changed), await configDigest(spec));
  assert.throws(() => containerSpec("container.x", {}), /"image" is required/);
  assert.throws(() => containerSpec("container.x", { image: "a", runtime: "lxc" }), /runtime/);
});

systemTest("runtime detection picks podman when docker has no engine", ["podman"], async () => {
  const dockerAnswers = (await new Deno.Command("sh", {
    args: ["-c", "docker version --format '{{.Server.Version}}' >/dev/null 2>&1"],
  }).output()).success;
  assert.equal(await detectRuntime(programs), dockerAnswers ? "docker" : "podman");
  assert.equal(await detectRuntime(programs, "podman"), "podman");
  await assert.rejects(detectRuntime({}, "docker"), /runtime "docker" is not installed/);
});

systemTest(
  "create, observe, probe and destroy a real busybox httpd container",
  ["podman", "busybox-image"],
  async () => {
    const site = await Deno.makeTempDir({ prefix: "cw-site-" });
    await Deno.writeTextFile(join(site, "index.html"), "<h1>from clockwork</h1>\n");
    const port = freePort();
    const address = `container.${unique()}`;
    const attributes = {
      image: TEST_IMAGE,
      command: ["httpd", "-f", "-v", "-p", "8080", "-h", "/www"],
      ports: [`127.0.0.1:${port}:8080`],
      volumes: [`${site}:/www:ro`],
      env: { GREETING: "hello world" },
      runtime: "podman",
    };
    const log: string[] = [];
    try {
      const started = await applyContainer(address, attributes, { log: (t) => log.push(t) });
      assert.equal(started.running, true);
      assert.match(log.join(""), /\$ podman run --detach --name cw-t/);
      await waitForPort(port);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(await page.text(), "<h1>from clockwork</h1>\n");

      const spec = containerSpec(address, attributes);
      const observed = await observeContainer({ address, type: "container", attributes });
      assert.equal(observed.exists, true);
      assert.equal(observed.attributes.running, true);
      assert.equal(observed.attributes.config_digest, await configDigest(spec));
      assert.match(String(observed.attributes.image_id), /^[0-9a-f]{64}$/);
      assert.equal(observed.attributes.id, started.id);
      const env = await podman("inspect", "--format", "{{json .Config.Env}}", spec.name);
      assert.ok(JSON.parse(env).includes("GREETING=hello world"));

      const runtime = podmanRuntime();
      const logs = await runtime.logs({ address }, 10);
      assert.match(logs, /response:200/);
      const stats = await runtime.stats({ name: spec.name });
      assert.ok(stats.memoryBytes > 0, JSON.stringify(stats));

      await podman("stop", "--time", "1", spec.name);
      const stopped = await observeContainer({ address, type: "container", attributes });
      assert.equal(stopped.exists, true);
      assert.equal(stopped.attributes.running, false);

      // Re-applying replaces the stopped container with a running one.
      const again = await applyContainer(address, attributes);
      assert.equal(again.running, true);
      assert.notEqual(again.id, started.id);

      await destroyContainer(address, attributes, { log: (t) => log.push(t) });
      assert.equal(
        await podman("ps", "-a", "--filter", `label=${ADDRESS_LABEL}=${address}`, "-q"),
        "",
      );
      const gone = await observeContainer({ address, type: "container", attributes });
      assert.equal(gone.exists, false);
      // Destroying what is already gone is fine.
      await destroyContainer(address, attributes);
    } finally {
      await podman("rm", "-f", "-t", "0", defaultContainerName(address));
      await Deno.remove(site, { recursive: true });
    }
  },
);

systemTest(
  "a run that exits at once is an error with its output",
  ["podman", "busybox-image"],
  async () => {
    const address = `container.${unique()}`;
    try {
      await assert.rejects(
        applyContainer(address, {
          image: TEST_IMAGE,
          command: ["sh", "-c", "echo broken config >&2; exit 3"],
          runtime: "podman",
        }),
        (error: unknown) => {
          assert.ok(error instanceof ContainerError);
          assert.match(error.message, /exited right after starting.*broken config/);
          return true;
        },
      );
    } finally {
      await destroyContainer(address, { runtime: "podman" });
    }
  },
);

systemTest("a missing image with no registry reachable is a clear error", ["podman"], async () => {
  const runtime = podmanRuntime();
  const image = `127.0.0.1:${freePort()}/clockwork/absent:${unique()}`;
  assert.equal(await runtime.imageExists(image), false);
  await assert.rejects(runtime.ensureImage(image), /no registry could be reached/);
  assert.equal(await runtime.imageExists(TEST_IMAGE), true);
  await runtime.ensureImage(TEST_IMAGE); // present: no pull
});

systemTest("a same-named container Clockwork did not create is left alone", [
  "podman",
  "busybox-image",
], async () => {
  const address = `container.${unique()}`;
  const name = defaultContainerName(address);
  await podman("run", "--detach", "--name", name, TEST_IMAGE, "sleep", "300");
  try {
    await assert.rejects(
      applyContainer(address, { image: TEST_IMAGE, command: ["sleep", "300"], runtime: "podman" }),
      /already exists and was not created by Clockwork/,
    );
    assert.equal(await podman("inspect", "--format", "{{.State.Status}}", name), "running");
    await destroyContainer(address, { runtime: "podman" });
    assert.equal(await podman("inspect", "--format", "{{.State.Status}}", name), "running");
  } finally {
    await podman("rm", "-f", "-t", "0", name);
  }
});
