/**
 * One test per kind of configuration diagnostic: a real configuration
 * directory with one mistake, and the code, message and source position the
 * user sees.
 */
import { equal, match, ok } from "node:assert/strict";
import { type Diagnostic, SourceFile } from "../src/hcl/mod.ts";
import { loadConfig } from "../src/config/mod.ts";
import { makeTempDir, writeFiles } from "./support/cli.ts";

async function load(files: Record<string, string>, vars: string[] = []) {
  const dir = await makeTempDir("cw-config-diag-");
  await writeFiles(dir, files);
  const result = loadConfig({ dir, vars });
  return { ...result, dir };
}

/** `line:column` of the diagnostic's subject. */
function at(d: Diagnostic, sources: SourceFile[]): string {
  const file = sources.find((s) => s.filename === d.subject?.filename);
  if (!file || !d.subject) return "(no position)";
  const p = file.position(d.subject.start);
  return `${p.line}:${p.column}`;
}

async function expectOne(
  files: Record<string, string>,
  code: string,
  summary: RegExp,
  position: string | null,
  detail?: RegExp,
) {
  const { diagnostics, sources, dir } = await load(files);
  try {
    const errors = diagnostics.filter((d) => d.severity === "error");
    equal(
      errors.length,
      1,
      `expected one error, got:\n${
        errors.map((d) => `${d.code} ${d.summary}: ${d.detail}`).join("\n")
      }`,
    );
    const d = errors[0];
    equal(d.code, code);
    match(d.summary, summary);
    if (detail) match(d.detail ?? "", detail);
    // A position ending in ":" checks the line only.
    if (position !== null) {
      const where = at(d, sources);
      ok(position.endsWith(":") ? where.startsWith(position) : where === position, where);
    }
    return d;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("duplicate resource names point at the second and note the first", async () => {
  const d = await expectOne(
    {
      "a.cw": 'resource "file" "x" {\n  path = "a"\n  content = ""\n}\n',
      "b.cw": 'resource "file" "x" {\n  path = "b"\n  content = ""\n}\n',
    },
    "CW2001",
    /Duplicate resource "file\.x"/,
    "1:1",
  );
  // Relative, as the diagnostic's own location is shown.
  equal(d.notes?.[0], "first declared at a.cw:1:1");
});

for (
  const [kind, files] of [
    ["variable", 'variable "v" { default = 1 }\nvariable "v" { default = 2 }\n'],
    ["output", 'output "o" { value = 1 }\noutput "o" { value = 2 }\n'],
    ["local value", "locals { a = 1 }\nlocals { a = 2 }\n"],
    ["module", 'module "m" { source = "./m" }\nmodule "m" { source = "./m" }\n'],
    ["host", 'host "h" { runner = "local" }\nhost "h" { runner = "local" }\n'],
  ] as const
) {
  Deno.test(`duplicate ${kind} names are an error`, async () => {
    await expectOne(
      { "main.cw": files, "m/main.cw": 'output "x" { value = 1 }\n' },
      "CW2001",
      new RegExp(`Duplicate ${kind}`),
      "2:",
      new RegExp(`^${kind === "output" ? "an" : "a"} ${kind} named`),
    );
  });
}

Deno.test("no follow-on errors: a duplicate argument is the parser's one CW1011", async () => {
  await expectOne(
    { "main.cw": 'resource "file" "x" {\n  path = "a"\n  path = "b"\n  content = ""\n}\n' },
    "CW1011",
    /Duplicate attribute/,
    "3:",
  );
});

Deno.test("no follow-on errors: a block whose body has a syntax error is not also missing arguments", async () => {
  const cases: [string, string][] = [
    ['resource "file" "x" {\n  path = "a"\n  content =\n}\n', "CW1025"],
    ['resource "file" "x" {\n  path = 0x10\n  content = ""\n}\n', "CW1008"],
    ['output "o" {\n  value = 0x10\n}\n', "CW1008"],
    ['module "m" {\n  source = 0x10\n}\n', "CW1008"],
  ];
  for (const [text, code] of cases) {
    const { diagnostics, dir } = await load({ "main.cw": text });
    await Deno.remove(dir, { recursive: true });
    equal(diagnostics.map((d) => d.code).join(" "), code, text);
  }
  // A sound block beside a broken one still gets its missing argument reported.
  const { diagnostics, dir } = await load({
    "main.cw": 'resource "file" "x" {\n  path = "a"\n}\nresource "file" "y" {\n  path = 0x10\n}\n',
  });
  await Deno.remove(dir, { recursive: true });
  equal(diagnostics.map((d) => d.code).sort().join(" "), "CW1008 CW2005");
  equal(diagnostics.find((d) => d.code === "CW2005")?.address, "file.x");
});

Deno.test("unknown argument suggests the closest name", async () => {
  await expectOne(
    { "main.cw": 'resource "file" "x" {\n  path = "a"\n  contnet = "hi"\n  content = ""\n}\n' },
    "CW2004",
    /Unsupported argument "contnet"/,
    "3:3",
    /Did you mean "content"\?/,
  );
});

Deno.test("a wrong type names expected and actual", async () => {
  await expectOne(
    { "main.cw": 'resource "file" "x" {\n  path = "a"\n  content = ["a", "b"]\n}\n' },
    "CW2006",
    /Incorrect value type for "content"/,
    "3:13",
    /string required, but got tuple/,
  );
});

Deno.test("an invalid value is checked by the argument's schema", async () => {
  await expectOne(
    { "main.cw": 'resource "file" "x" {\n  path = "a"\n  content = ""\n  mode = "rwx"\n}\n' },
    "CW2006",
    /Invalid value for "mode"/,
    "4:10",
    /octal/,
  );
});

Deno.test("missing required arguments follow the table of LANGUAGE.md", async () => {
  await expectOne(
    { "main.cw": 'resource "file" "x" {\n  path = "a"\n}\n' },
    "CW2005",
    /Missing required argument/,
    "1:1",
    /one of "content", "source", "description"/,
  );
  await expectOne(
    { "main.cw": 'resource "container" "c" {\n  ports = ["80:80"]\n}\n' },
    "CW2005",
    /Missing required argument/,
    "1:1",
    /"image", "description"/,
  );
});

Deno.test("unknown references name what is undefined", async () => {
  await expectOne(
    {
      "main.cw": 'variable "port" {}\noutput "o" { value = var.prot }\n',
      "x.cwvars": "port = 1\n",
    },
    "CW2007",
    /undeclared input variable "prot"/,
    "2:22",
    /Did you mean "port"\?/,
  );
  await expectOne(
    { "main.cw": 'output "o" { value = file.nope.path }\n' },
    "CW2007",
    /undeclared resource "file\.nope"/,
    "1:22",
  );
  await expectOne(
    { "main.cw": 'output "o" { value = module.cache.url }\n' },
    "CW2007",
    /undeclared module "cache"/,
    "1:22",
  );
  await expectOne(
    { "main.cw": 'output "o" { value = local.x }\n' },
    "CW2007",
    /undeclared local value "x"/,
    "1:22",
  );
});

Deno.test("each and count outside for_each and count are errors", async () => {
  await expectOne(
    { "main.cw": 'resource "file" "x" {\n  path = each.key\n  content = ""\n}\n' },
    "CW2007",
    /"each" outside for_each/,
    "2:10",
  );
});

Deno.test("invalid for_each values are diagnosed", async () => {
  await expectOne(
    { "main.cw": 'resource "file" "x" {\n  for_each = [1, 2]\n  path = "a"\n  content = ""\n}\n' },
    "CW2008",
    /Invalid for_each argument/,
    "2:14",
    /set of strings or a map/,
  );
});

Deno.test("for_each over a list is refused with advice to use toset(); sets and maps pass", async () => {
  const resource = (forEach: string) =>
    `resource "file" "x" {\n  for_each = ${forEach}\n  path = each.key\n  content = ""\n}\n`;
  for (const forEach of ['["a", "b"]', '[for s in ["a"] : s]', 'split(",", "a,b")', "var.l"]) {
    await expectOne(
      { "main.cw": `variable "l" {\n  default = ["a"]\n}\n` + resource(forEach) },
      "CW2008",
      /Invalid for_each argument/,
      "5:14",
      /not a list \(tuple\).*toset/,
    );
  }
  const accepted = `variable "s" {\n  type = set(string)\n  default = ["a"]\n}\n` +
    resource('toset(["a", "b"])').replace('"x"', '"t"') + resource("var.s").replace('"x"', '"v"') +
    resource("{ a = 1 }").replace('"x"', '"m"');
  const { diagnostics, dir } = await load({ "main.cw": accepted });
  await Deno.remove(dir, { recursive: true });
  equal(diagnostics.filter((d) => d.severity === "error").length, 0, JSON.stringify(diagnostics));
});

Deno.test("invalid count values are diagnosed", async () => {
  await expectOne(
    { "main.cw": 'resource "file" "x" {\n  count = 1.5\n  path = "a"\n  content = ""\n}\n' },
    "CW2009",
    /Invalid count argument/,
    "2:11",
    /whole number/,
  );
});

Deno.test("no follow-on errors: a count or for_each unknown because of an earlier error is not reported again", async () => {
  const file = (repeat: string) =>
    `resource "file" "x" {\n  ${repeat}\n  path = "/tmp/a"\n  content = ""\n}\n`;
  const cases: [string, Record<string, string>, string][] = [
    ["missing root variable", {
      "main.cw": 'variable "n" { type = number }\n' + file("count = var.n"),
    }, "CW2015"],
    ["through a local", {
      "main.cw": 'variable "n" { type = number }\nlocals { m = var.n + 1 }\n' +
        file("count = local.m"),
    }, "CW2015"],
    ["a local that fails to evaluate", {
      "main.cw": 'locals { keys = toset(1 + "a") }\n' + file("for_each = local.keys"),
    }, "CW1103"],
    ["missing module argument", {
      "main.cw": 'module "m" {\n  source = "./m"\n}\n',
      "m/main.cw": 'variable "n" { type = number }\n' + file("count = var.n"),
    }, "CW2015"],
    ["repeated module call", {
      "main.cw":
        'variable "n" { type = number }\nmodule "m" {\n  source = "./m"\n  count = var.n\n}\n',
      "m/main.cw": "",
    }, "CW2015"],
  ];
  for (const [name, files, code] of cases) {
    const { diagnostics, dir } = await load(files);
    await Deno.remove(dir, { recursive: true });
    const errors = diagnostics.filter((d) => d.severity === "error");
    equal(errors.map((d) => d.code).join(" "), code, `${name}: ${errors.map((d) => d.summary)}`);
  }
  // An unknown that does not come from an error is still reported.
  const { diagnostics, dir } = await load({
    "main.cw": 'resource "file" "a" {\n  path = "/tmp/a"\n  description = "a poem"\n}\n' +
      file("count = length(file.a.content)"),
  });
  await Deno.remove(dir, { recursive: true });
  equal(diagnostics.map((d) => d.code).join(" "), "CW2009");
});
Deno.test("a dependency cycle names every member in order", async () => {
  const d = await expectOne(
    {
      "main.cw": [
        'resource "file" "a" {\n  path = file.c.path\n  content = ""\n}',
        'resource "file" "b" {\n  path = file.a.path\n  content = ""\n}',
        'resource "file" "c" {\n  path = file.b.path\n  content = ""\n}',
      ].join("\n"),
    },
    "CW2011",
    /^Dependency cycle: file\.a → file\.c → file\.b → file\.a$/,
    "1:1",
  );
  equal(d.notes?.length, 2);
});

Deno.test("a cycle through locals and depends_on is found too", async () => {
  await expectOne(
    {
      "main.cw":
        'locals { p = file.a.path }\nresource "file" "a" {\n  path = "a"\n  content = ""\n  depends_on = [file.b]\n}\nresource "file" "b" {\n  path = local.p\n  content = ""\n}\n',
    },
    "CW2011",
    /Dependency cycle: file\.a → file\.b → local\.p → file\.a/,
    null,
  );
});

Deno.test("a source file that does not exist is an invalid relative path", async () => {
  await expectOne(
    { "main.cw": 'resource "file" "x" {\n  path = "a"\n  source = "missing.txt"\n}\n' },
    "CW2012",
    /Source file not found/,
    "3:12",
    /missing\.txt/,
  );
});

Deno.test("a module directory that does not exist is an invalid relative path", async () => {
  await expectOne(
    { "main.cw": 'module "m" {\n  source = "./nowhere"\n}\n' },
    "CW2013",
    /Module directory "\.\/nowhere" does not exist/,
    "2:12",
  );
});

Deno.test("unknown resource type and block type suggest names", async () => {
  await expectOne(
    { "main.cw": 'resource "fille" "x" {}\n' },
    "CW2018",
    /Unknown resource type "fille"/,
    "1:10",
    /Did you mean "file"\?/,
  );
  await expectOne(
    { "main.cw": 'resorce "file" "x" {}\n' },
    "CW2002",
    /Unsupported block type "resorce"/,
    "1:1",
    /Did you mean "resource"\?/,
  );
});

Deno.test("unknown assertion kinds and arguments are diagnosed", async () => {
  await expectOne(
    {
      "main.cw": 'resource "container" "c" {\n  image = "x"\n  assert "htp" {}\n}\n',
    },
    "CW2023",
    /Unknown assertion kind "htp"/,
    "3:10",
    /Did you mean "http"\?/,
  );
  await expectOne(
    {
      "main.cw":
        'check "c" {\n  assert "http" {\n    url = "http://x/"\n    status = 200\n  }\n}\n',
    },
    "CW2004",
    /Unsupported argument "status"/,
    "4:5",
  );
});

Deno.test("invalid timeout durations are diagnosed", async () => {
  await expectOne(
    { "main.cw": 'resource "command" "c" {\n  run = "true"\n  timeout = "soon"\n}\n' },
    "CW2019",
    /Invalid timeout/,
    "3:13",
  );
});

Deno.test("an unknown host is diagnosed", async () => {
  await expectOne(
    { "main.cw": 'resource "command" "c" {\n  run = "true"\n  host = "web9"\n}\n' },
    "CW2026",
    /Unknown host "web9"/,
    "3:10",
  );
});

Deno.test("a required variable without a value is an error naming it", async () => {
  await expectOne(
    { "main.cw": 'variable "token" {\n  type = string\n}\n' },
    "CW2015",
    /No value for required variable "token"/,
    "1:10",
  );
});

Deno.test("a failing validation block shows its error_message", async () => {
  await expectOne(
    {
      "main.cw":
        'variable "port" {\n  type = number\n  default = 80\n  validation {\n    condition = var.port > 1024\n    error_message = "port must be above 1024"\n  }\n}\n',
    },
    "CW2016",
    /Invalid value for variable "port"/,
    null,
    /port must be above 1024/,
  );
});

Deno.test("sensitive values in an output need sensitive = true", async () => {
  await expectOne(
    {
      "main.cw":
        'variable "pw" {\n  default = "x"\n  sensitive = true\n}\noutput "o" { value = var.pw }\n',
    },
    "CW2031",
    /Output refers to sensitive values/,
    "5:22",
  );
});

Deno.test("every error of a run is reported, not just the first", async () => {
  const { diagnostics, dir } = await load({
    "main.cw": [
      'resource "file" "a" {\n  path = "a"\n  contnet = "x"\n}',
      'resource "file" "b" {\n  path = var.nope\n  content = ""\n}',
      'resource "dir" "c" {}',
      'module "m" { source = "./none" }',
    ].join("\n"),
  });
  await Deno.remove(dir, { recursive: true });
  const codes = diagnostics.filter((d) => d.severity === "error").map((d) => d.code).sort();
  // contnet unknown + file needs content, undeclared var, unknown type, missing module.
  ok(codes.includes("CW2004") && codes.includes("CW2005"), codes.join(","));
  ok(
    codes.includes("CW2007") && codes.includes("CW2018") && codes.includes("CW2013"),
    codes.join(","),
  );
});

Deno.test("sensitive variables make the attributes that use them sensitive", async () => {
  const { config, diagnostics, dir } = await load({
    "main.cw":
      'variable "pw" {\n  default = "hunter2"\n  sensitive = true\n}\nresource "file" "f" {\n  path = "f"\n  content = "pw=${var.pw}"\n}\n',
  });
  await Deno.remove(dir, { recursive: true });
  equal(diagnostics.length, 0);
  const f = config!.resources[0];
  equal(f.attributes.content, "pw=hunter2");
  equal(f.sensitiveAttributes.join(","), "content");
});

Deno.test("aiFields: description without content, image or script", async () => {
  const { config, diagnostics, dir } = await load({
    "main.cw": [
      'resource "file" "f" {\n  path = "f"\n  description = "a haiku"\n}',
      'resource "container" "c" {\n  description = "a web server"\n}',
      'resource "task" "t" {\n  description = "rotate logs"\n}',
      'resource "task" "u" {\n  description = "given"\n  script = "true"\n}',
    ].join("\n"),
  });
  await Deno.remove(dir, { recursive: true });
  equal(diagnostics.length, 0, diagnostics.map((d) => d.summary).join());
  const fields = Object.fromEntries(config!.resources.map((r) => [r.address, r.aiFields.join()]));
  equal(fields["file.f"], "content");
  equal(fields["container.c"], "image");
  equal(fields["task.t"], "script");
  equal(fields["task.u"], "");
});

Deno.test("source is read relative to the module directory into content", async () => {
  const { config, diagnostics, dir } = await load({
    "main.cw": 'module "m" {\n  source = "./mod"\n}\n',
    "mod/main.cw": 'resource "file" "f" {\n  path = "out.txt"\n  source = "tmpl/page.html"\n}\n',
    "mod/tmpl/page.html": "<p>from the module</p>\n",
  });
  await Deno.remove(dir, { recursive: true });
  equal(diagnostics.length, 0);
  const f = config!.resources[0];
  equal(f.address, "module.m.file.f");
  equal(f.attributes.content, "<p>from the module</p>\n");
  equal(f.attributes.path, `${dir}/mod/out.txt`);
});

Deno.test("timeouts, hosts, lifecycle and asserts land in the IR", async () => {
  const { config, diagnostics, dir } = await load({
    "main.cw": [
      'host "web1" {\n  runner = "ssh"\n  address = "127.0.0.1"\n  port = 2222\n}',
      'resource "command" "c" {\n  run = "true"\n  host = host.web1\n  timeout = "30s"\n  lifecycle {\n    prevent_destroy = true\n  }\n}',
      'resource "file" "f" {\n  path = "x/f.txt"\n  content = ""\n  assert "file_exists" {}\n  assert "file_size" { max_bytes = 10 }\n}',
    ].join("\n"),
  });
  await Deno.remove(dir, { recursive: true });
  equal(diagnostics.length, 0, diagnostics.map((d) => d.summary).join());
  const [c, f] = config!.resources;
  equal(c.host, "web1");
  equal(c.timeoutMs, 30_000);
  equal(c.lifecycle.preventDestroy, true);
  equal(f.timeoutMs, 300_000);
  equal(f.asserts[0].args.path, `${dir}/x/f.txt`);
  equal(f.asserts[1].args.max_bytes, 10);
  equal(config!.hosts[0].runner, "ssh");
  equal(config!.hosts[0].attributes.port, 2222);
});

Deno.test("required_version is checked against the running Clockwork", async () => {
  await expectOne(
    { "main.cw": 'clockwork {\n  required_version = ">= 99.0"\n}\n' },
    "CW2032",
    /Unsupported Clockwork version/,
    "2:22",
    /requires Clockwork >= 99\.0/,
  );
  const { diagnostics, config, dir } = await load({
    "main.cw":
      'clockwork {\n  required_version = ">= 0.1, < 99"\n  ai {\n    provider = "none"\n  }\n  state {\n    path = "s.json"\n  }\n}\n',
  });
  await Deno.remove(dir, { recursive: true });
  equal(diagnostics.length, 0);
  equal(config!.settings.ai?.provider, "none");
  equal(config!.settings.state?.path, "s.json");
});

Deno.test("a resource referring to itself is diagnosed", async () => {
  await expectOne(
    { "main.cw": 'resource "file" "a" {\n  path = "a"\n  content = file.a.path\n}\n' },
    "CW2011",
    /Self-referential resource file\.a/,
    "3:13",
  );
});

Deno.test("a reference to an attribute a resource type does not have suggests one", async () => {
  await expectOne(
    {
      "main.cw":
        'resource "file" "a" {\n  count = 2\n  path = "a${count.index}"\n  content = ""\n}\noutput "o" { value = file.a[0].contnet }\n',
    },
    "CW2007",
    /Unsupported attribute "contnet" of file\.a/,
    "6:22",
    /Did you mean "content"\?/,
  );
});

const REPEATED_MODULE =
  'variable "name" {\n  default = "x"\n}\noutput "url" {\n  value = var.name\n}\n';

Deno.test("a repeated module's outputs need an instance key; unknown keys suggest one", async () => {
  const withSite = (text: string) => ({
    "main.cw":
      `module "site" {\n  for_each = { blue = 1, green = 2 }\n  source   = "./m"\n  name     = each.key\n}\n${text}`,
    "m/main.cw": REPEATED_MODULE,
  });
  await expectOne(
    withSite('output "o" {\n  value = module.site.url\n}\n'),
    "CW2007",
    /Missing module instance key/,
    "7:11",
    /for_each set.*module\.site\["KEY"\]\.url/,
  );
  // A key that names no instance is an error where it is evaluated, as for resources.
  await expectOne(
    withSite('output "o" {\n  value = module.site["bleu"].url\n}\n'),
    "CW1102",
    /Invalid index/,
    "7:22",
    /no element with key "bleu"\. Did you mean "blue"\?/,
  );
  await expectOne(
    withSite('output "o" {\n  value = module.site["blue"].uri\n}\n'),
    "CW2007",
    /undeclared output "uri" of module "site"/,
    "7:11",
    /Did you mean "url"\?/,
  );
  const withWorker = (text: string) => ({
    "main.cw": `module "worker" {\n  count  = 2\n  source = "./m"\n}\n${text}`,
    "m/main.cw": REPEATED_MODULE,
  });
  await expectOne(
    withWorker('output "o" {\n  value = module.worker.url\n}\n'),
    "CW2007",
    /Missing module instance key/,
    "6:11",
    /module\.worker\[0\]\.url or module\.worker\[\*\]\.url/,
  );
  await expectOne(
    withWorker('output "o" {\n  value = module.worker[2].url\n}\n'),
    "CW1102",
    /Invalid index/,
    "6:24",
    /the collection has 2 elements/,
  );
  await expectOne(
    withWorker('output "o" {\n  value = module.worker["a"].url\n}\n'),
    "CW2007",
    /Invalid module instance key/,
    "6:11",
    /instances are numbered/,
  );
  await expectOne(
    {
      "main.cw":
        'module "one" {\n  source = "./m"\n}\noutput "o" {\n  value = module.one[0].url\n}\n',
      "m/main.cw": REPEATED_MODULE,
    },
    "CW2007",
    /Unexpected module instance key/,
    "5:11",
    /neither count nor for_each/,
  );
  await expectOne(
    {
      "main.cw":
        'module "one" {\n  source = "./m"\n}\noutput "o" {\n  value = module.one["url"]\n}\n',
      "m/main.cw": REPEATED_MODULE,
    },
    "CW2007",
    /Unexpected module instance key/,
    "5:11",
    /module\.one\.OUTPUT/,
  );
  await expectOne(
    withWorker(
      'resource "file" "f" {\n  path = "/tmp/x"\n  content = ""\n  depends_on = [module.worker[0]]\n}\n',
    ),
    "CW2020",
    /Invalid depends_on entry/,
    "8:17",
    /whole module, every instance: module\.worker/,
  );
});

Deno.test("count and for_each on a module follow the rules of resources", async () => {
  const module = (meta: string, name = "each.key") => ({
    "main.cw": `module "m" {\n  ${meta}\n  source = "./m"\n  name   = ${name}\n}\n`,
    "m/main.cw": REPEATED_MODULE,
  });
  await expectOne(
    module('for_each = ["a", "b"]'),
    "CW2008",
    /Invalid for_each argument/,
    "2:14",
    /not a list \(tuple\).*toset/,
  );
  await expectOne(
    module("for_each = null"),
    "CW2008",
    /Invalid for_each argument/,
    "2:14",
    /null/,
  );
  await expectOne(
    module("count = -1", "count.index"),
    "CW2009",
    /Invalid count argument/,
    "2:11",
    /at least 0/,
  );
  await expectOne(
    module("count = 1.5", "count.index"),
    "CW2009",
    /Invalid count argument/,
    "2:11",
  );
  const both = await load({
    "main.cw": 'module "m" {\n  count    = 1\n  for_each = toset(["a"])\n  source   = "./m"\n}\n',
    "m/main.cw": REPEATED_MODULE,
  });
  await Deno.remove(both.dir, { recursive: true });
  equal(both.diagnostics.map((d) => d.code).join(" "), "CW2010");
  await expectOne(
    module('version = "1.0"', '"x"'),
    "CW2004",
    /Unsupported argument "version" on a module/,
    "2:3",
  );
  await expectOne(
    module("", "count.index"),
    "CW2007",
    /"count" outside count/,
    "4:12",
    /resource or module block that sets count/,
  );
  await expectOne(
    module("count = 1", "each.key"),
    "CW2007",
    /"each" outside for_each/,
    "4:12",
  );
});

Deno.test("file_content takes pattern or sha256, not both", async () => {
  await expectOne(
    {
      "main.cw":
        'resource "file" "f" {\n  path    = "/tmp/x"\n  content = "x"\n  assert "file_content" {\n    pattern = "x"\n    sha256  = "' +
        "a".repeat(64) + '"\n  }\n}\n',
    },
    "CW2029",
    /Conflicting arguments/,
    "6:5",
    /"pattern" and "sha256" cannot both be set on assert "file_content"/,
  );
});

Deno.test("a resource instance key must match how the resource is repeated", async () => {
  const files = (output: string) => ({
    "main.cw":
      'resource "file" "a" {\n  path    = "/tmp/a"\n  content = "x"\n}\nresource "file" "n" {\n  count   = 2\n  path    = "/tmp/n${count.index}"\n  content = "x"\n}\n' +
      `output "o" {\n  value = ${output}\n}\n`,
  });
  await expectOne(
    files("file.a[0].path"),
    "CW2007",
    /Unexpected resource instance key/,
    "11:11",
    /neither count nor for_each.*file\.a\.ATTRIBUTE/,
  );
  await expectOne(
    files("file.n.path"),
    "CW2007",
    /Missing resource instance key/,
    "11:11",
    /file\.n\[0\]\.path or file\.n\[\*\]\.path/,
  );
  for (
    const fine of [
      "file.n[1].path",
      "file.n[*].path",
      "[for f in file.n : f.path]",
      "length(file.n)",
    ]
  ) {
    const { diagnostics } = await load(files(fine));
    equal(diagnostics.filter((d) => d.severity === "error").length, 0, fine);
  }
});

Deno.test("names that addresses and --target could not spell are refused, as Terraform does", async () => {
  const cases: [string, string][] = [
    ['resource "file" "1bad" {\n  path = "/tmp/a"\n  content = ""\n}\n', "1:17"],
    ['resource "file" "a b" {\n  path = "/tmp/a"\n  content = ""\n}\n', "1:17"],
    ['resource "file" "a.b" {\n  path = "/tmp/a"\n  content = ""\n}\n', "1:17"],
    ['resource "file" "" {\n  path = "/tmp/a"\n  content = ""\n}\n', "1:17"],
    ['variable "my var" {}\n', "1:10"],
    ['output "o-ut put" {\n  value = 1\n}\n', "1:8"],
    ['module "m.x" {\n  source = "./m"\n}\n', "1:8"],
    ['check "c/d" {\n}\n', "1:7"],
    ['host "h h" {\n}\n', "1:6"],
  ];
  for (const [text, position] of cases) {
    await expectOne({ "main.cw": text, "m/main.cw": "" }, "CW2033", /Invalid \w+ name/, position);
  }
  await expectOne(
    { "main.cw": 'variable "count" {\n  default = 1\n}\n' },
    "CW2033",
    /Invalid variable name/,
    "1:10",
    /reserved/,
  );
  // Dashes, underscores and letters beyond ASCII are names.
  const { diagnostics, dir } = await load({
    "main.cw":
      'variable "_x-1" {\n  default = 1\n}\nresource "file" "café-2" {\n  path = "/tmp/a"\n  content = ""\n}\n',
  });
  await Deno.remove(dir, { recursive: true });
  equal(diagnostics.length, 0, diagnostics.map((d) => d.summary).join("\n"));
});

Deno.test("an argument set to null is not set: exclusive and required arguments go by value", async () => {
  const chooser = 'variable "src" {\n  type    = string\n  default = null\n}\n' +
    'resource "file" "d" {\n  path    = "/tmp/d"\n  content = var.src == null ? "inline" : null\n  source  = var.src\n}\n';
  for (const vars of [[], ["src=main.cw"]]) {
    const { diagnostics, dir } = await load({ "main.cw": chooser }, vars);
    await Deno.remove(dir, { recursive: true });
    equal(diagnostics.length, 0, diagnostics.map((d) => `${d.code} ${d.detail}`).join("; "));
  }
  await expectOne(
    {
      "main.cw":
        'resource "file" "f" {\n  count   = 2\n  path    = "/tmp/f"\n  content = "x"\n  source  = "main.cw"\n}\n',
    },
    "CW2029",
    /Conflicting arguments/,
    "5:3",
    /"content" and "source" cannot both be set/,
  );
  await expectOne(
    { "main.cw": 'resource "file" "e" {\n  path    = "/tmp/e"\n  content = null\n}\n' },
    "CW2005",
    /Missing required argument/,
    "1:1",
    /null does not count as set/,
  );
});

Deno.test("depends_on: itself is self-referential, an attribute is not a whole resource", async () => {
  const file = (deps: string) =>
    `resource "file" "a" {\n  path = "/tmp/a"\n  content = ""\n}\nresource "file" "f" {\n  path = "/tmp/f"\n  content = ""\n  depends_on = [${deps}]\n}\n`;
  await expectOne(
    { "main.cw": file("file.f") },
    "CW2011",
    /Self-referential resource file\.f/,
    "8:17",
  );
  await expectOne(
    { "main.cw": file("file.a.path") },
    "CW2020",
    /Invalid depends_on entry/,
    "8:17",
    /whole resource.*file\.a$/,
  );
  const { diagnostics, dir } = await load({ "main.cw": file("file.a") });
  await Deno.remove(dir, { recursive: true });
  equal(diagnostics.length, 0, diagnostics.map((d) => d.summary).join("; "));
});

Deno.test("data.* says there are no data sources; short names get no far-fetched suggestion", async () => {
  await expectOne(
    { "main.cw": 'output "o" {\n  value = data.x.y\n}\n' },
    "CW2007",
    /Unknown name "data"/,
    "2:11",
    /^Clockwork has no data sources/,
  );
  const { diagnostics, dir } = await load({ "main.cw": 'output "o" {\n  value = vr.x\n}\n' });
  await Deno.remove(dir, { recursive: true });
  match(diagnostics[0]?.detail ?? "", /Did you mean "var"\?/);
  const far = await load({ "main.cw": 'output "o" {\n  value = pth.x\n}\n' });
  await Deno.remove(far.dir, { recursive: true });
  match(far.diagnostics[0]?.detail ?? "", /Did you mean "path"\?/);
  const none = await load({ "main.cw": 'output "o" {\n  value = baty.x\n}\n' });
  await Deno.remove(none.dir, { recursive: true });
  ok(!/Did you mean/.test(none.diagnostics[0]?.detail ?? ""), none.diagnostics[0]?.detail);
});

Deno.test("assertion patterns are RE2, as Terraform's regex: checked at load with RE2's rules", async () => {
  const file = (pattern: string) =>
    `resource "file" "f" {\n  path    = "/tmp/f"\n  content = "x"\n  assert "file_content" {\n    pattern = ${
      JSON.stringify(pattern)
    }\n  }\n}\n`;
  for (const pattern of ["(?i)^version [[:digit:]]+", "(?P<major>\\d+)\\.\\d+", "\\pL+"]) {
    const { diagnostics, dir } = await load({ "main.cw": file(pattern) });
    await Deno.remove(dir, { recursive: true });
    equal(diagnostics.length, 0, `${pattern}: ${diagnostics.map((d) => d.detail).join("; ")}`);
  }
  await expectOne({ "main.cw": file("a(?=b)") }, "CW2006", /pattern/, "5:15", /RE2/);
});

Deno.test("a container on a remote host is refused where it is written, not at apply", async () => {
  await expectOne(
    {
      "main.cw":
        'host "box" {\n  runner  = "ssh"\n  address = "127.0.0.1"\n}\nresource "container" "c" {\n  host  = host.box\n  image = "busybox:latest"\n}\n',
    },
    "CW2006",
    /Invalid value for "host"/,
    "6:11",
    /managed on this machine only/,
  );
});

Deno.test("timeouts take compound durations as Terraform's do (1h30m), in resources and assertions", async () => {
  const { diagnostics, dir } = await load({
    "main.cw":
      'resource "command" "c" {\n  run     = "true"\n  timeout = "1h30m"\n  assert "port" {\n    port    = 80\n    timeout = "1m30s"\n  }\n}\n',
  });
  await Deno.remove(dir, { recursive: true });
  equal(diagnostics.length, 0, diagnostics.map((d) => `${d.summary}: ${d.detail}`).join("; "));
  await expectOne(
    { "main.cw": 'resource "command" "c" {\n  run     = "true"\n  timeout = "1h 30m"\n}\n' },
    "CW2019",
    /Invalid timeout/,
    "3:13",
    /1h30m/,
  );
});
