/**
 * The built-in ssh runner against a real OpenSSH server on 127.0.0.1, through
 * PluginHost: the plugin runs in its Worker with only `run: ssh` and read on
 * the key and known_hosts files, derived from the host block's settings.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { PluginHost } from "../src/plugins/host/mod.ts";
import type { Step } from "../src/plugins/protocol/mod.ts";
import * as runnerSsh from "../plugins/runner-ssh/bundle.ts";
import { assertBundlesMatchSources } from "./support/bundles.ts";
import { startSshd, type TestSshd } from "./support/sshd.ts";
import { systemTest } from "./support/system.ts";

/** The host block's settings and the grant derived from them (what the pipeline does). */
function sshHost(
  sshd: TestSshd,
  configDir: string,
  extra: Record<string, unknown> = {},
  read?: string[],
) {
  const settings = {
    address: sshd.host,
    port: sshd.port,
    user: sshd.user,
    identity_file: sshd.identityFile,
    known_hosts_file: sshd.knownHostsFile,
    strict_host_key_checking: "yes",
    ...extra,
  };
  const plugin = {
    ...runnerSsh,
    manifest: {
      ...runnerSsh.manifest,
      permissions: {
        run: ["ssh"],
        read: read ?? [settings.identity_file, settings.known_hosts_file].map(String),
      },
    },
  };
  return new PluginHost({
    configDir,
    builtins: [plugin],
    settings: { "runner-ssh": settings },
  });
}

function step(argv: string[], extra: Partial<Step> = {}): Step {
  return { id: "s", argv, env: {}, cwd: "/", timeoutMs: 20_000, ...extra };
}

systemTest("runner-ssh executes on a real sshd, verbatim argv/env/stdin, observes", [
  "sshd",
], async (t) => {
  const sshd = await startSshd();
  const work = await Deno.makeTempDir({ prefix: "cw-ssh-" });
  try {
    using host = sshHost(sshd, work);
    const runner = host.runner("runner-ssh");

    await t.step("a command runs as the user and its exit code comes back", async () => {
      const result = await runner.execute({
        step: step(["sh", "-c", "id -un; echo oops >&2; exit 3"]),
      });
      assert.equal(result.exitCode, 3, result.stderr + sshd.log());
      assert.equal(result.stdout, `${sshd.user}\n`);
      assert.equal(result.stderr, "oops\n");
      assert.ok(result.durationMs >= 0);
    });

    await t.step("hostile argv and env values arrive verbatim, nothing is injected", async () => {
      const marker = join(work, "pwned");
      const hostile = [
        `it's`,
        `"double" \\ back`,
        `$(touch ${marker})`,
        `\`touch ${marker}\``,
        `; touch ${marker}`,
        `line1\nline2\n`,
        `'; touch ${marker}; '`,
        `$HOME ~ * ?`,
        "",
      ];
      const result = await runner.execute({
        step: step(["printf", "%s\\0", ...hostile], {
          env: { CW_HOSTILE: `$(touch ${marker})'"\n\`x\``, CW_PLAIN: "v" },
        }),
      });
      assert.equal(result.exitCode, 0, result.stderr);
      assert.deepEqual(result.stdout.split("\0").slice(0, -1), hostile);
      const env = await runner.execute({
        step: step(["sh", "-c", 'printf "%s|%s" "$CW_HOSTILE" "$CW_PLAIN"'], {
          env: { CW_HOSTILE: `$(touch ${marker})'"\n\`x\``, CW_PLAIN: "v" },
        }),
      });
      assert.equal(env.stdout, `$(touch ${marker})'"\n\`x\`|v`);
      await assert.rejects(Deno.stat(marker), Deno.errors.NotFound);
    });

    await t.step("stdin reaches the step exactly, without an added newline", async () => {
      const input = "no newline at end 'quoted' $(x)";
      const result = await runner.execute({ step: step(["cat"], { stdin: input }) });
      assert.equal(result.stdout, input);
      const none = await runner.execute({ step: step(["cat"]) });
      assert.equal(none.stdout, "");
      assert.equal(none.exitCode, 0);
    });

    await t.step("cwd is used when it exists remotely", async () => {
      const result = await runner.execute({ step: step(["pwd"], { cwd: work }) });
      assert.equal(result.stdout.trim(), await Deno.realPath(work));
    });

    await t.step("the step timeout kills ssh and the remote command", async () => {
      const late = join(work, "finished-late");
      const started = performance.now();
      const result = await runner.execute({
        step: step(["sh", "-c", `sleep 3 && touch '${late}'`], { timeoutMs: 700 }),
      });
      assert.equal(result.timedOut, true);
      assert.equal(result.exitCode, -1);
      assert.ok(performance.now() - started < 2_500);
      await new Promise((r) => setTimeout(r, 3_500));
      await assert.rejects(Deno.stat(late), Deno.errors.NotFound);
    });

    await t.step("observe a file, a directory and a missing path in one round trip", async () => {
      const file = join(work, "it's a file");
      await Deno.writeTextFile(file, "hello\n");
      await Deno.chmod(file, 0o640);
      await Deno.mkdir(join(work, "dir"), { mode: 0o750 });
      await Deno.chmod(join(work, "dir"), 0o750);
      const { observations } = await runner.observe({
        resources: [
          { address: "file.a", type: "file", attributes: { path: file } },
          { address: "directory.d", type: "directory", attributes: { path: join(work, "dir") } },
          { address: "file.gone", type: "file", attributes: { path: join(work, "nope") } },
          { address: "file.isdir", type: "file", attributes: { path: join(work, "dir") } },
        ],
      });
      assert.deepEqual(observations["file.a"], {
        exists: true,
        attributes: {
          path: file,
          mode: "0640",
          kind: "file",
          size: 6,
          sha256: createHash("sha256").update("hello\n").digest("hex"),
        },
      });
      assert.deepEqual(observations["directory.d"], {
        exists: true,
        attributes: { path: join(work, "dir"), mode: "0750", kind: "directory" },
      });
      assert.deepEqual(observations["file.gone"], {
        exists: false,
        attributes: { path: join(work, "nope") },
      });
      assert.equal(observations["file.isdir"].exists, false);
      assert.equal(observations["file.isdir"].attributes.kind, "directory");
    });
  } finally {
    await Deno.remove(work, { recursive: true });
    await sshd.stop();
  }
});

systemTest(
  "runner-ssh: hostile address, closed port, unknown host key, ungranted file",
  ["sshd"],
  async () => {
    const sshd = await startSshd();
    const work = await Deno.makeTempDir({ prefix: "cw-ssh-" });
    try {
      {
        using host = sshHost(sshd, work, { address: "-oProxyCommand=touch /tmp/x" });
        await assert.rejects(
          host.runner("runner-ssh").execute({ step: step(["true"]) }),
          /is not a host/,
        );
      }
      {
        const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
        const port = (closed.addr as Deno.NetAddr).port;
        closed.close();
        using host = sshHost(sshd, work, { port });
        const runner = host.runner("runner-ssh");
        const result = await runner.execute({ step: step(["true"]) });
        assert.equal(result.exitCode, 255);
        const { observations } = await runner.observe({
          resources: [{ address: "file.a", type: "file", attributes: { path: "/etc/hostname" } }],
        });
        assert.match(observations["file.a"].error ?? "", /ssh exited with 255: .*refused/);
      }
      const empty = join(work, "known_hosts");
      await Deno.writeTextFile(empty, "");
      {
        using host = sshHost(sshd, work, { known_hosts_file: empty });
        const result = await host.runner("runner-ssh").execute({ step: step(["true"]) });
        assert.equal(result.exitCode, 255);
        assert.match(result.stderr, /Host key verification failed/);
      }
      {
        using host = sshHost(sshd, work, { known_hosts_file: empty }, [sshd.identityFile]);
        assert.deepEqual(host.get("runner-ssh")!.permissions.run, ["ssh"]);
        // A file outside the grant cannot even be looked at.
        await assert.rejects(
          host.runner("runner-ssh").execute({ step: step(["true"]) }),
          /denied/,
        );
      }
    } finally {
      await Deno.remove(work, { recursive: true });
      await sshd.stop();
    }
  },
);

Deno.test("the embedded runner-ssh bundle matches its source", async () => {
  await assertBundlesMatchSources(["runner-ssh"], [runnerSsh]);
});
