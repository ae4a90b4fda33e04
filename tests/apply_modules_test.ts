/**
 * End to end through the real CLI: a module repeated with for_each creates
 * real files, records them under keyed module addresses, plans nothing more
 * the second time, and loses exactly one instance's files when its key goes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "./support/cli.ts";

const main = (sites: string) => `
module "site" {
  for_each = { ${sites} }
  source   = "./modules/site"
  name     = each.key
  port     = each.value
}

module "worker" {
  count  = 2
  source = "./modules/worker"
  index  = count.index
}

output "urls" {
  value = { for name, site in module.site : name => site.url }
}

output "workers" {
  value = module.worker[*].file
}
`;

const files = {
  "main.cw": main("blue = 8081, green = 8082"),
  "modules/site/main.cw": `
variable "name" {
  type = string
}
variable "port" {
  type = number
}
resource "directory" "root" {
  path = "\${path.root}/www/\${var.name}"
}
resource "file" "index" {
  path    = "\${directory.root.path}/index.html"
  content = "\${var.name} listens on \${var.port}\\n"
}
output "url" {
  value = "http://localhost:\${var.port}/"
}
`,
  "modules/worker/main.cw": `
variable "index" {
  type = number
}
resource "file" "job" {
  path    = "\${path.root}/worker-\${var.index}.txt"
  content = "worker \${var.index}\\n"
}
output "file" {
  value = file.job.path
}
`,
};

async function stateList(dir: string): Promise<string[]> {
  const r = await runCli(["state", "list"], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split("\n").sort();
}

Deno.test("apply: a for_each module creates each instance's files; removing a key destroys only that instance", async () => {
  const first = await runCli(["apply", "--auto-approve"], { files });
  const dir = first.dir;
  try {
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Resources: 6 created/);
    assert.equal(Deno.readTextFileSync(join(dir, "www/blue/index.html")), "blue listens on 8081\n");
    assert.equal(
      Deno.readTextFileSync(join(dir, "www/green/index.html")),
      "green listens on 8082\n",
    );
    assert.equal(Deno.readTextFileSync(join(dir, "worker-1.txt")), "worker 1\n");
    assert.deepEqual(await stateList(dir), [
      'module.site["blue"].directory.root',
      'module.site["blue"].file.index',
      'module.site["green"].directory.root',
      'module.site["green"].file.index',
      "module.worker[0].file.job",
      "module.worker[1].file.job",
    ]);
    const outputs = await runCli(["output", "--json"], { cwd: dir });
    assert.equal(outputs.code, 0, outputs.stderr);
    const values = JSON.parse(outputs.stdout).outputs;
    assert.deepEqual(values.urls.value, {
      blue: "http://localhost:8081/",
      green: "http://localhost:8082/",
    });
    assert.deepEqual(values.workers.value, [
      join(dir, "worker-0.txt"),
      join(dir, "worker-1.txt"),
    ]);

    const again = await runCli(["plan", "--detailed-exitcode"], { cwd: dir });
    assert.equal(again.code, 0, `a second plan must be empty:\n${again.stdout}${again.stderr}`);

    Deno.writeTextFileSync(join(dir, "main.cw"), main("blue = 8081"));
    const plan = await runCli(["plan", "--json"], { cwd: dir });
    assert.equal(plan.code, 0, plan.stderr);
    const changes = JSON.parse(plan.stdout).changes
      .filter((c: { action: string }) => c.action !== "no-op")
      .map((c: { address: string; action: string }) => [c.address, c.action]);
    assert.deepEqual(changes, [
      ['module.site["green"].directory.root', "delete"],
      ['module.site["green"].file.index', "delete"],
    ]);
    const removed = await runCli(["apply", "--auto-approve"], { cwd: dir });
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /Resources: 0 created, 0 updated, 0 replaced, 2 destroyed/);
    assert.throws(() => Deno.statSync(join(dir, "www/green")), Deno.errors.NotFound);
    assert.equal(Deno.readTextFileSync(join(dir, "www/blue/index.html")), "blue listens on 8081\n");
    assert.equal(Deno.readTextFileSync(join(dir, "worker-0.txt")), "worker 0\n");
    assert.deepEqual(await stateList(dir), [
      'module.site["blue"].directory.root',
      'module.site["blue"].file.index',
      "module.worker[0].file.job",
      "module.worker[1].file.job",
    ]);
    const last = await runCli(["plan", "--detailed-exitcode"], { cwd: dir });
    assert.equal(last.code, 0, last.stdout + last.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
