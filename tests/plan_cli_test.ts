/**
 * validate, plan, graph, init and fmt as a user runs them: the real CLI in a
 * real process, on real files in a temporary directory.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import * as v from "valibot";
import { runCli } from "./support/cli.ts";
import {
  checkPlanFileFresh,
  GraphDocumentSchema,
  PlanDocumentSchema,
  readPlanFile,
  ValidateDocumentSchema,
} from "../src/plan/mod.ts";
import { loadConfig } from "../src/config/mod.ts";

const SITE = `
variable "greeting" {
  type    = string
  default = "hello"
}

resource "directory" "site" {
  path = "site"
}

resource "file" "index" {
  path    = "\${directory.site.path}/index.html"
  content = "<h1>\${var.greeting}</h1>"
}

output "path" {
  value = file.index.path
}
`;

Deno.test("validate: success message and exit 0", async () => {
  const r = await runCli(["validate"], { files: { "main.cw": SITE } });
  equal(r.code, 0, r.stderr);
  match(r.stdout, /Success! The configuration is valid \(2 resource instances\)/);
});

Deno.test("validate: every error with file:line:col and a caret, exit 1", async () => {
  const r = await runCli(["validate"], {
    files: {
      "main.cw":
        'resource "file" "a" {\n  path = "a"\n  contnet = "x"\n}\noutput "o" { value = var.nope }\n',
    },
  });
  equal(r.code, 1);
  match(r.stderr, /error\[CW2004\]: Unsupported argument "contnet"/);
  match(r.stderr, /--> main\.cw:3:3/);
  match(r.stderr, /\^\^\^\^\^\^\^ .*Did you mean "content"\?/);
  match(r.stderr, /error\[CW2007\]: Reference to undeclared input variable "nope"/);
  match(r.stderr, /--> main\.cw:5:22/);
});

Deno.test("validate --json: the document of CLI.md with JSON ranges", async () => {
  const r = await runCli(["validate", "--json"], {
    files: { "main.cw": 'resource "file" "a" {\n  path = "a"\n  content = 1 + true\n}\n' },
  });
  equal(r.code, 1);
  const doc = v.parse(ValidateDocumentSchema, JSON.parse(r.stdout));
  equal(doc.valid, false);
  ok(doc.diagnostics.length >= 1);
  const d = doc.diagnostics[0];
  equal(d.range?.filename, "main.cw");
  equal(d.range?.start.line, 3);
  const good = await runCli(["validate", "--json"], { files: { "main.cw": SITE } });
  deepEqual(JSON.parse(good.stdout), { format_version: "1", valid: true, diagnostics: [] });
});

Deno.test("validate DIR and -C agree, with --var values", async () => {
  const r = await runCli(["validate", "infra", "--var", "greeting=hi"], {
    files: { "infra/main.cw": SITE },
  });
  equal(r.code, 0, r.stderr);
  const missing = await runCli(["validate", "--var", "nope=1"], { files: { "main.cw": SITE } });
  equal(missing.code, 1);
  match(missing.stderr, /undeclared variable "nope"/);
});

Deno.test("plan: human output, --json document, --detailed-exitcode", async () => {
  const r = await runCli(["plan", "--detailed-exitcode"], { files: { "main.cw": SITE } });
  equal(r.code, 2, r.stderr);
  match(r.stdout, /# file\.index will be created/);
  match(r.stdout, /\+ resource "file" "index" \{/);
  match(r.stdout, /Plan: 2 to add, 0 to change, 0 to destroy\./);

  const j = await runCli(["plan", "--json"], { cwd: r.dir });
  equal(j.code, 0, j.stderr);
  const doc = v.parse(PlanDocumentSchema, JSON.parse(j.stdout));
  deepEqual(doc.summary, { create: 2, update: 0, replace: 0, delete: 0, no_op: 0 });
  deepEqual(doc.changes.map((c) => [c.address, c.action]), [
    ["directory.site", "create"],
    ["file.index", "create"],
  ]);
  deepEqual(doc.steps.find((s) => s.address === "file.index")?.depends_on, [
    "directory.site:create",
  ]);
  equal(doc.outputs.path.value, join(r.dir, "site/index.html"));
});

Deno.test("plan --target limits the plan to the target and what it depends on", async () => {
  const r = await runCli(["plan", "--json", "--target", "directory.site"], {
    files: { "main.cw": SITE },
  });
  equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  deepEqual(doc.changes.map((c: { address: string }) => c.address), ["directory.site"]);
});

Deno.test("plan redacts sensitive values in text and JSON", async () => {
  const files = {
    "main.cw":
      'variable "pw" {\n  default = "hunter2"\n  sensitive = true\n}\nresource "file" "f" {\n  path = "f"\n  content = var.pw\n}\noutput "pw" {\n  value = var.pw\n  sensitive = true\n}\n',
  };
  const r = await runCli(["plan"], { files });
  equal(r.code, 0, r.stderr);
  ok(!r.stdout.includes("hunter2"), r.stdout);
  match(r.stdout, /content = \(sensitive\)/);
  const j = await runCli(["plan", "--json"], { cwd: r.dir });
  ok(!j.stdout.includes("hunter2"), j.stdout);
});

Deno.test("plan --out writes a plan file that is refused once configuration or state moved", async () => {
  const r = await runCli(["plan", "--out", "site.plan"], { files: { "main.cw": SITE } });
  equal(r.code, 0, r.stderr);
  match(r.stdout, /Saved the plan to site\.plan/);
  const read = readPlanFile(join(r.dir, "site.plan"));
  equal(read.diagnostics.length, 0);
  const plan = read.value!;
  equal(plan.changes.length, 2);
  const fresh = loadConfig({ dir: r.dir }).config!;
  deepEqual(checkPlanFileFresh(plan, fresh, null), []);
  const otherVars = loadConfig({ dir: r.dir, vars: ["greeting=bye"] }).config!;
  equal(checkPlanFileFresh(plan, otherVars, null)[0]?.code, "CW3003");
  const moved = checkPlanFileFresh(plan, fresh, {
    format_version: "1",
    lineage: "x",
    serial: 3,
    configDigest: null,
    resources: [],
    outputs: {},
  });
  equal(moved[0]?.code, "CW3004");
  const notAPlan = join(r.dir, "main.cw");
  equal(readPlanFile(notAPlan).diagnostics[0]?.code, "CW3005");
});

Deno.test("plan with --refresh=false and a bad value", async () => {
  const r = await runCli(["plan", "--refresh=false"], { files: { "main.cw": SITE } });
  equal(r.code, 0, r.stderr);
  const bad = await runCli(["plan", "--refresh=maybe"], { cwd: r.dir });
  equal(bad.code, 1);
});

Deno.test("graph: DOT by default, JSON on request", async () => {
  const r = await runCli(["graph"], { files: { "main.cw": SITE } });
  equal(r.code, 0, r.stderr);
  match(r.stdout, /^digraph clockwork \{/);
  match(r.stdout, /"file\.index" -> "directory\.site";/);
  const j = await runCli(["graph", "--format", "json"], { cwd: r.dir });
  const doc = v.parse(GraphDocumentSchema, JSON.parse(j.stdout));
  deepEqual(doc.order, ["directory.site", "file.index"]);
  deepEqual(doc.edges, [{ from: "file.index", to: "directory.site" }]);
});

Deno.test("init scaffolds a valid main.cw and refuses a non-empty directory", async () => {
  const r = await runCli(["init", "new"]);
  equal(r.code, 0, r.stderr);
  const check = await runCli(["validate", "new"], { cwd: r.dir });
  equal(check.code, 0, check.stderr);
  const again = await runCli(["init", "new"], { cwd: r.dir });
  equal(again.code, 1);
  match(again.stderr, /not empty/);
});

Deno.test("fmt --check lists unformatted files and exits 1; fmt rewrites them", async () => {
  const messy = 'resource "file" "a" {\npath="a"\n    content   =   "x"\n}\n';
  const r = await runCli(["fmt", "--check"], { files: { "main.cw": messy, "ok.cw": "" } });
  equal(r.code, 1, r.stderr);
  equal(r.stdout.trim(), "main.cw");
  equal(await Deno.readTextFile(join(r.dir, "main.cw")), messy);
  const w = await runCli(["fmt"], { cwd: r.dir });
  equal(w.code, 0, w.stderr);
  const formatted = await Deno.readTextFile(join(r.dir, "main.cw"));
  match(formatted, /^ {2}path {4}= "a"$/m);
  const clean = await runCli(["fmt", "--check"], { cwd: r.dir });
  equal(clean.code, 0);
  // A missing path is named as the user wrote it, not walked up from here.
  const missing = await runCli(["fmt", "/nonexistent-cw-dir"], { cwd: r.dir });
  equal(missing.code, 1);
  match(missing.stderr, /CW9103\]: No such file or directory: \/nonexistent-cw-dir\n/);
  const near = await runCli(["fmt", "nothere.cw"], { cwd: r.dir });
  match(near.stderr, /No such file or directory: nothere\.cw\n/);
});

const PROTECTED = `
resource "file" "plain" {
  path    = "plain.txt"
  content = "p"
}
resource "file" "keep" {
  path    = "keep.txt"
  content = "k"
  lifecycle {
    prevent_destroy = true
  }
}
`;

Deno.test("prevent_destroy: a refused destroy points at the resource in the configuration", async () => {
  const applied = await runCli(["apply", "--auto-approve"], { files: { "main.cw": PROTECTED } });
  equal(applied.code, 0, applied.stderr);

  const destroy = await runCli(["destroy", "--auto-approve"], { cwd: applied.dir });
  equal(destroy.code, 1, destroy.stderr);
  match(destroy.stderr, /error\[CW3001\]: Instance cannot be destroyed\n --> main\.cw:6:1\n/);
  match(destroy.stderr, /\n6 \| resource "file" "keep" \{\n *\| \^+ /);
  equal(await Deno.readTextFile(join(applied.dir, "keep.txt")), "k");

  const json = await runCli(["--json", "destroy", "--auto-approve"], { cwd: applied.dir });
  equal(json.code, 1);
  const diagnostic = json.stdout.split("\n").filter((l) => l.trim())
    .map((l) => JSON.parse(l)).find((e) => e.code === "CW3001");
  equal(diagnostic?.range?.filename, "main.cw");
  equal(diagnostic?.range?.start?.line, 6);
});

Deno.test("prevent_destroy: a protected resource removed from the configuration says why it is still protected", async () => {
  const applied = await runCli(["apply", "--auto-approve"], { files: { "main.cw": PROTECTED } });
  equal(applied.code, 0, applied.stderr);
  await Deno.writeTextFile(
    join(applied.dir, "main.cw"),
    PROTECTED.split('resource "file" "keep"')[0],
  );
  const plan = await runCli(["plan"], { cwd: applied.dir });
  equal(plan.code, 1, plan.stderr);
  match(plan.stderr, /error\[CW3001\]/);
  match(plan.stderr, /file\.keep is no longer in the configuration, but the state records/);
  match(plan.stderr, /`clockwork state rm file\.keep`/);
  // The way out it offers works: forgotten, not destroyed.
  const forget = await runCli(["state", "rm", "file.keep"], { cwd: applied.dir });
  equal(forget.code, 0, forget.stderr);
  const after = await runCli(["plan", "--detailed-exitcode"], { cwd: applied.dir });
  equal(after.code, 0, after.stderr + after.stdout);
  equal(await Deno.readTextFile(join(applied.dir, "keep.txt")), "k");
});

Deno.test("apply FILE: a file that is not a plan is said to be one, not taken for a directory", async () => {
  const r = await runCli(["plan", "--out", "site.plan"], { files: { "main.cw": SITE } });
  equal(r.code, 0, r.stderr);
  const notPlans = { "garbage.plan": "garbage\n", "empty-object.plan": "{}\n", "empty.plan": "" };
  for (const [name, content] of Object.entries(notPlans)) {
    await Deno.writeTextFile(join(r.dir, name), content);
    const apply = await runCli(["apply", "--auto-approve", name], { cwd: r.dir });
    equal(apply.code, 1, `${name}: ${apply.stderr}`);
    match(apply.stderr, /error\[CW3005\]: \S+ is not a Clockwork plan file/);
    ok(apply.stderr.includes(name), apply.stderr);
    ok(!apply.stderr.includes("Configuration directory"), apply.stderr);
  }
  await Deno.writeTextFile(join(r.dir, "versionless.plan"), '{"kind":"clockwork-plan"}');
  const versionless = await runCli(["apply", "--auto-approve", "versionless.plan"], { cwd: r.dir });
  match(versionless.stderr, /is not a complete Clockwork plan file/);
  ok(!versionless.stderr.includes("undefined"), versionless.stderr);
  // Nothing was applied by the refused files; the real plan file still applies.
  await Deno.stat(join(r.dir, "site")).then(
    () => ok(false, "a refused plan file created site/"),
    (e) => ok(e instanceof Deno.errors.NotFound),
  );
  const good = await runCli(["apply", "site.plan"], { cwd: r.dir });
  equal(good.code, 0, good.stderr);
  match(good.stdout, /Apply complete!/);
});

Deno.test("apply DIR still takes a configuration directory", async () => {
  const r = await runCli(["apply", "--auto-approve", "conf"], { files: { "conf/main.cw": SITE } });
  equal(r.code, 0, r.stderr);
  match(r.stdout, /Apply complete!/);
  const missing = await runCli(["apply", "--auto-approve", "nowhere"], { cwd: r.dir });
  equal(missing.code, 1);
  match(missing.stderr, /CW2024/);
});
