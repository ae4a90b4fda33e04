/**
 * Modules repeated by count and for_each, as Terraform repeats them: each
 * instance is its own module with its own variable values; addresses carry
 * the instance key in the module step; module.NAME is a map or a tuple of the
 * instances' outputs.
 */
import { deepStrictEqual as equal, ok } from "node:assert/strict";
import { type Config, loadConfig } from "../src/config/mod.ts";
import { makeTempDir, writeFiles } from "./support/cli.ts";

const SITE = `
variable "name" {
  type = string
}
variable "port" {
  type    = number
  default = 80
}
resource "file" "index" {
  path    = "\${var.name}.html"
  content = "\${var.name} on \${var.port}"
}
resource "file" "conf" {
  path    = "\${var.name}.conf"
  content = file.index.path
}
output "url" {
  value = "http://localhost:\${var.port}/"
}
output "name" {
  value = var.name
}
`;

async function loadOk(files: Record<string, string>, vars: string[] = []): Promise<Config> {
  const dir = await makeTempDir("cw-config-modules-");
  try {
    await writeFiles(dir, files);
    const result = loadConfig({ dir, vars });
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    equal(errors.map((d) => `${d.code} ${d.summary}: ${d.detail}`), []);
    return result.config!;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function load(files: Record<string, string>) {
  const dir = await makeTempDir("cw-config-modules-");
  try {
    await writeFiles(dir, files);
    return loadConfig({ dir });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function outputs(config: Config): Record<string, unknown> {
  // Through JSON, as `output --json` shows them (the values are prototype-free objects).
  return JSON.parse(
    JSON.stringify(Object.fromEntries(config.outputs.map((o) => [o.name, o.value]))),
  );
}

function addresses(config: Config): string[] {
  return config.resources.map((r) => r.address);
}

Deno.test("module for_each over a map: one instance per key, each.key and each.value in the arguments", async () => {
  const config = await loadOk({
    "main.cw": `
module "site" {
  for_each = { blue = 8081, green = 8082 }
  source   = "./modules/site"
  name     = each.key
  port     = each.value
}
output "blue_url" {
  value = module.site["blue"].url
}
output "sites" {
  value = module.site
}
output "names" {
  value = [for k, s in module.site : "\${k}=\${s.name}"]
}
`,
    "modules/site/main.cw": SITE,
  });
  equal(addresses(config), [
    'module.site["blue"].file.conf',
    'module.site["blue"].file.index',
    'module.site["green"].file.conf',
    'module.site["green"].file.index',
  ]);
  const green = config.resources.find((r) => r.address === 'module.site["green"].file.index')!;
  equal(green.module, ['site["green"]']);
  equal(green.name, "index");
  equal(green.key, null);
  equal(green.attributes.content, "green on 8082");
  // Within a module, an instance depends on its own instance's resources.
  const conf = config.resources.find((r) => r.address === 'module.site["blue"].file.conf')!;
  equal(conf.dependsOn, ['module.site["blue"].file.index']);
  equal(outputs(config), {
    blue_url: "http://localhost:8081/",
    names: ["blue=blue", "green=green"],
    sites: {
      blue: { name: "blue", url: "http://localhost:8081/" },
      green: { name: "green", url: "http://localhost:8082/" },
    },
  });
});

Deno.test("module for_each over a set of strings, from a variable", async () => {
  const config = await loadOk({
    "main.cw": `
variable "names" {
  type    = set(string)
  default = ["b", "a"]
}
module "site" {
  for_each = var.names
  source   = "./modules/site"
  name     = each.value
}
`,
    "modules/site/main.cw": SITE,
  }, ['names=["a","c"]']);
  equal(addresses(config).filter((a) => a.endsWith("index")), [
    'module.site["a"].file.index',
    'module.site["c"].file.index',
  ]);
});

Deno.test("module count: numbered instances, count.index, splat and for over the tuple", async () => {
  const config = await loadOk({
    "main.cw": `
module "worker" {
  count  = 2
  source = "./modules/site"
  name   = "w\${count.index}"
}
output "first" {
  value = module.worker[0].name
}
output "splat" {
  value = module.worker[*].name
}
output "for" {
  value = [for w in module.worker : w.url]
}
`,
    "modules/site/main.cw": SITE,
  });
  equal(addresses(config), [
    "module.worker[0].file.conf",
    "module.worker[0].file.index",
    "module.worker[1].file.conf",
    "module.worker[1].file.index",
  ]);
  equal(config.resources[3].module, ["worker[1]"]);
  equal(config.resources[3].attributes.content, "w1 on 80");
  equal(outputs(config), {
    first: "w0",
    for: ["http://localhost:80/", "http://localhost:80/"],
    splat: ["w0", "w1"],
  });
});

Deno.test("count = 0 and an empty for_each make no instances: an empty tuple and an empty map", async () => {
  const config = await loadOk({
    "main.cw": `
module "none" {
  count  = 0
  source = "./modules/site"
  name   = "x"
}
module "empty" {
  for_each = {}
  source   = "./modules/site"
  name     = each.key
}
output "none" {
  value = module.none
}
output "empty" {
  value = module.empty
}
output "names" {
  value = module.none[*].name
}
`,
    "modules/site/main.cw": SITE,
  });
  equal(config.resources, []);
  equal(outputs(config), { empty: {}, names: [], none: [] });
});

Deno.test("nested repeated modules compose their keys; a module without count keeps its address", async () => {
  const config = await loadOk({
    "main.cw": `
module "a" {
  for_each = toset(["x", "y"])
  source   = "./a"
  name     = each.key
}
module "plain" {
  source = "./a/b"
  label  = "plain"
}
output "y_labels" {
  value = module.a["y"].labels
}
output "plain" {
  value = module.plain.label
}
`,
    "a/main.cw": `
variable "name" {
  type = string
}
resource "file" "base" {
  path    = "\${var.name}.txt"
  content = var.name
}
module "b" {
  count      = 2
  source     = "./b"
  label      = "\${var.name}-\${count.index}"
  depends_on = [file.base]
}
output "labels" {
  value = module.b[*].label
}
`,
    "a/b/main.cw": `
variable "label" {
  type = string
}
resource "file" "y" {
  path    = "\${var.label}.txt"
  content = var.label
}
output "label" {
  value = file.y.content
}
`,
  });
  equal(addresses(config), [
    'module.a["x"].file.base',
    'module.a["x"].module.b[0].file.y',
    'module.a["x"].module.b[1].file.y',
    'module.a["y"].file.base',
    'module.a["y"].module.b[0].file.y',
    'module.a["y"].module.b[1].file.y',
    "module.plain.file.y",
  ]);
  const y1 = config.resources.find((r) => r.address === 'module.a["y"].module.b[1].file.y')!;
  equal(y1.module, ['a["y"]', "b[1]"]);
  equal(y1.attributes.content, "y-1");
  // depends_on = [file.base] inside module.a["y"] means that instance's file.base.
  equal(y1.dependsOn, ['module.a["y"].file.base']);
  const plain = config.resources.find((r) => r.address === "module.plain.file.y")!;
  equal(plain.module, ["plain"]);
  equal(outputs(config), { plain: "plain", y_labels: ["y-0", "y-1"] });
});

Deno.test("depends_on = [module.site] depends on every instance's resources", async () => {
  const config = await loadOk({
    "main.cw": `
module "site" {
  for_each = toset(["a", "b"])
  source   = "./modules/site"
  name     = each.key
}
resource "file" "after" {
  path       = "after.txt"
  content    = "after"
  depends_on = [module.site]
}
resource "file" "one" {
  path    = "one.txt"
  content = module.site["a"].url
}
`,
    "modules/site/main.cw": SITE,
  });
  const after = config.resources.find((r) => r.address === "file.after")!;
  equal(after.dependsOn, [
    'module.site["a"].file.conf',
    'module.site["a"].file.index',
    'module.site["b"].file.conf',
    'module.site["b"].file.index',
  ]);
  const one = config.resources.find((r) => r.address === "file.one")!;
  equal(one.attributes.content, "http://localhost:80/");
  ok(one.dependsOn.every((a) => a.startsWith('module.site["a"]')), one.dependsOn.join(" "));
});

Deno.test("a variable's validation runs for every instance with that instance's value", async () => {
  const dir = await makeTempDir("cw-config-modules-");
  try {
    await writeFiles(dir, {
      "main.cw": `
module "site" {
  for_each = { ok = 80, bad = 0 }
  source   = "./m"
  port     = each.value
}
`,
      "m/main.cw": `
variable "port" {
  type = number
  validation {
    condition     = var.port > 0
    error_message = "port must be positive"
  }
}
`,
    });
    const { diagnostics } = loadConfig({ dir });
    equal(diagnostics.map((d) => [d.code, d.detail]), [["CW2016", "port must be positive"]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const MODULE_FG = `
variable "name" {
  type = string
}
variable "leader" {
  type = string
}
resource "file" "f" {
  path    = "\${var.name}-f.txt"
  content = var.name
}
resource "file" "g" {
  path    = "\${var.name}-g.txt"
  content = var.leader
}
output "made" {
  value = file.f.path
}
`;

Deno.test("a value that leaves one instance and enters another makes a dependency", async () => {
  const config = await loadOk({
    "main.cw": `
locals {
  leader_path = module.node["a"].made
}
module "node" {
  for_each = toset(["a", "b"])
  source   = "./m"
  name     = each.key
  leader   = each.key == "a" ? "" : local.leader_path
}
`,
    "m/main.cw": MODULE_FG,
  });
  // b's file.g reads a's file.f through local.leader_path: through the
  // caller, so it waits for file.f of every instance.
  const g = config.resources.find((r) => r.address === 'module.node["b"].file.g')!;
  ok(String(g.attributes.content).endsWith("a-f.txt"), String(g.attributes.content));
  equal(g.dependsOn, ['module.node["a"].file.f', 'module.node["b"].file.f']);
  // What stays inside an instance still depends on that instance only.
  const f = config.resources.find((r) => r.address === 'module.node["b"].file.f')!;
  equal(f.dependsOn, []);

  // The same through the module's own input: it is read in the caller.
  const self = await loadOk({
    "main.cw": `
module "a" {
  for_each = toset(["x", "y"])
  source   = "./m"
  name     = each.key
  leader   = each.key == "y" ? module.a["x"].made : ""
}
`,
    "m/main.cw": MODULE_FG,
  });
  const yg = self.resources.find((r) => r.address === 'module.a["y"].file.g')!;
  ok(yg.dependsOn.includes('module.a["x"].file.f'), JSON.stringify(yg.dependsOn));
});

Deno.test("an instance key is checked only where it is evaluated; a module with no instances is still checked", async () => {
  const optional = await loadOk({
    "main.cw": `
variable "enabled" {
  default = false
}
module "w" {
  count  = var.enabled ? 1 : 0
  source = "./m"
  name   = "w"
}
output "path" {
  value = var.enabled ? module.w[0].made : "none"
}
output "tried" {
  value = try(module.w[0].made, "none")
}
`,
    "m/main.cw": `
variable "name" {
  type = string
}
output "made" {
  value = var.name
}
`,
  });
  equal(outputs(optional), { path: "none", tried: "none" });
  const { diagnostics } = await load({
    "main.cw": `module "z" {\n  count  = 0\n  source = "./m"\n}\n`,
    "m/main.cw": `variable "name" {\n  type = string\n}\n`,
  });
  equal(
    diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.summary}`),
    ['CW2015 No value for required variable "name"'],
  );
  const twice = await load({
    "main.cw": `module "z" {\n  count  = 3\n  source = "./m"\n}\n`,
    "m/main.cw": `variable "name" {\n  type = string\n}\n`,
  });
  equal(twice.diagnostics.filter((d) => d.code === "CW2015").length, 1, "reported once per call");
});
