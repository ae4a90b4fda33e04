/** Container assertion kinds through the runner-container plugin's real podman probe. */
import assert from "node:assert/strict";
import type { Assertion } from "../src/config/mod.ts";
import { type AssertionResult, runAssertions } from "../src/assert/mod.ts";
import { containerSpec, runtimeFor } from "../plugins/runner-container/runtime.ts";
import { ContainerRunner, runtimePrograms } from "../src/cli/container_runner.ts";
import { systemTest, TEST_IMAGE } from "./support/system.ts";

const programs = runtimePrograms();

async function applyContainer(address: string, attributes: Record<string, unknown>) {
  const spec = containerSpec(address, attributes);
  return await (await runtimeFor(programs, spec.runtime)).create(spec);
}

async function destroyContainer(address: string, _attributes: { runtime: "podman" }) {
  await (await runtimeFor(programs, "podman")).destroy(address);
}

const unique = () => `t${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

function make(
  kind: Assertion["kind"],
  owner: string,
  args: Record<string, unknown> = {},
  ownerType: string | null = "container",
): Assertion {
  return {
    kind,
    owner,
    ownerType,
    args,
    baseDir: "/",
    range: { filename: "main.cw", start: 0, end: 0 },
  };
}

function verdicts(results: AssertionResult[]): boolean[] {
  return results.map((r) => r.passed);
}

systemTest(
  "container_running, container_healthy, log_contains, memory_usage, cpu_usage pass and fail for real",
  ["podman", "busybox-image"],
  async () => {
    const healthy = `container.${unique()}`;
    const busy = `container.${unique()}`;
    const sick = `container.${unique()}`;
    const stopped = `container.${unique()}`;
    try {
      await Promise.all([
        applyContainer(healthy, {
          image: TEST_IMAGE,
          command: ["sh", "-c", "echo service ready; exec sleep 300"],
          healthcheck: { command: "true", interval: "2s" },
          runtime: "podman",
        }),
        applyContainer(busy, {
          image: TEST_IMAGE,
          command: ["sh", "-c", "while :; do :; done"],
          runtime: "podman",
        }),
        applyContainer(sick, {
          image: TEST_IMAGE,
          command: ["sleep", "300"],
          healthcheck: { command: "false", interval: "2s", retries: 1 },
          runtime: "podman",
        }),
        applyContainer(stopped, {
          image: TEST_IMAGE,
          command: ["sleep", "300"],
          runtime: "podman",
        }),
      ]);
      await destroyContainer(stopped, { runtime: "podman" });
      using containers = new ContainerRunner(Deno.cwd());
      const probe = containers.probe("podman");
      const results = await runAssertions([
        make("container_running", healthy),
        make("container_running", stopped),
        make("container_healthy", healthy),
        make("container_healthy", sick),
        make("container_healthy", busy),
        make("log_contains", healthy, { pattern: "service re+ady" }),
        make("log_contains", healthy, { pattern: "^panic" }),
        make("memory_usage", healthy, { max_mb: 256 }),
        make("memory_usage", healthy, { max_mb: 0.0001 }),
        make("cpu_usage", busy, { max_percent: 5 }),
        make("cpu_usage", healthy, { max_percent: 50 }),
        // From a check block, naming the container by address or by name.
        make("container_running", "check.c", { container: healthy }, null),
        make("container_running", "check.c", { container: `cw-${healthy.split(".")[1]}` }, null),
        make("memory_usage", stopped, { max_mb: 100 }),
      ], { probe, concurrency: 4 });
      assert.ok(containers.started, "the probe answered from the plugin's Worker");
      const byIndex = results.map((r) => `${r.kind} ${r.passed} ${r.actual} ${r.message}`);
      assert.deepEqual(verdicts(results), [
        true,
        false,
        true,
        false,
        false,
        true,
        false,
        true,
        false,
        false,
        true,
        true,
        true,
        false,
      ], byIndex.join("\n"));
      assert.equal(results[1]!.actual, "missing");
      assert.equal(results[3]!.actual, "unhealthy");
      assert.equal(results[4]!.actual, "no healthcheck");
      assert.match(results[5]!.actual, /service ready/);
      assert.match(results[9]!.actual, /^[\d.]+%$/);
      assert.ok(parseFloat(results[9]!.actual) > 5);
      assert.equal(results[13]!.actual, "not running");
      assert.ok(!("final" in results[4]!), "what retrying knows stays out of the results");

      // With apply's retry window, a container with no healthcheck fails at
      // once (waiting cannot give it one), while a missing one is retried.
      const started = performance.now();
      const [noCheck] = await runAssertions([make("container_healthy", busy)], {
        probe,
        retryFailedForMs: 4_000,
        retryIntervalMs: 200,
      });
      assert.equal(noCheck!.actual, "no healthcheck");
      assert.ok(performance.now() - started < 2_000, `${performance.now() - started} ms`);
      const retriedFrom = performance.now();
      await runAssertions([make("container_running", stopped)], {
        probe,
        retryFailedForMs: 1_500,
        retryIntervalMs: 200,
      });
      assert.ok(performance.now() - retriedFrom >= 1_000, "a missing container is waited for");
    } finally {
      await Promise.all(
        [healthy, busy, sick, stopped].map((a) => destroyContainer(a, { runtime: "podman" })),
      );
    }
  },
);
