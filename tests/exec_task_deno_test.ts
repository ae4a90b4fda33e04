/**
 * Deno tasks whose address contains a `d` segment: Deno takes any file named
 * `*.d.*.ts` for a type declaration and runs none of it, so an artifact named
 * `task.d.create.ts` once "succeeded" without running.
 */
import { equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { makeTempDir, runCli, writeFiles } from "./support/cli.ts";

Deno.test("a deno task named d runs: its exit status decides the step", async () => {
  const dir = await makeTempDir("cw-task-deno-");
  try {
    await writeFiles(dir, {
      "main.cw": `
resource "task" "d" {
  lang    = "deno"
  script  = "await Deno.writeTextFile('\${path.root}/ran.txt', 'yes'); Deno.exit(3)"
  creates = "ran.txt"
}
`,
    });
    const first = await runCli(["apply", "--auto-approve", "--no-color"], { cwd: dir });
    equal(first.code, 1, first.stdout + first.stderr);
    match(first.stdout + first.stderr, /task\.d: create FAILED: exited with code 3/);
    equal(await Deno.readTextFile(join(dir, "ran.txt")), "yes");

    await writeFiles(dir, {
      "main.cw": `
resource "task" "d" {
  lang    = "deno"
  script  = "await Deno.writeTextFile('\${path.root}/ran.txt', 'again')"
  creates = "ran.txt"
}
`,
    });
    await Deno.remove(join(dir, "ran.txt"));
    const second = await runCli(["apply", "--auto-approve", "--no-color"], { cwd: dir });
    equal(second.code, 0, second.stdout + second.stderr);
    equal(await Deno.readTextFile(join(dir, "ran.txt")), "again");
    const scripts = [...Deno.readDirSync(join(dir, ".clockwork", "build", "scripts"))]
      .map((e) => e.name);
    ok(scripts.every((name) => !/\.d\..*\.ts$/.test(name)), scripts.join(" "));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
