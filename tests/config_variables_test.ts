/**
 * Variable values: the precedence table of LANGUAGE.md (one row per level),
 * conversion to the declared type, and the errors for bad values.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { loadConfig } from "../src/config/mod.ts";
import { makeTempDir, writeFiles } from "./support/cli.ts";

const DECLARATION = 'variable "level" {\n  type    = string\n  default = "default"\n}\n';

interface Sources {
  cwvars?: Record<string, string>;
  env?: Record<string, string>;
  varFiles?: Record<string, string>;
  vars?: string[];
  main?: string;
}

async function resolveVariables(sources: Sources) {
  const dir = await makeTempDir("cw-vars-");
  try {
    await writeFiles(dir, { "main.cw": sources.main ?? DECLARATION, ...sources.cwvars });
    const files = sources.varFiles ?? {};
    await writeFiles(dir, files);
    const result = loadConfig({
      dir,
      env: sources.env ?? {},
      varFiles: Object.keys(files),
      vars: sources.vars ?? [],
      cwd: dir,
    });
    return { variables: result.config?.variables ?? {}, diagnostics: result.diagnostics };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// Each row adds one source above the previous ones; the highest must win.
const PRECEDENCE: [string, Sources, string][] = [
  ["default", {}, "default"],
  ["*.cwvars", { cwvars: { "a.cwvars": 'level = "cwvars"\n' } }, "cwvars"],
  ["*.cwvars sorted by name, later wins", {
    cwvars: { "a.cwvars": 'level = "a"\n', "b.cwvars": 'level = "b"\n' },
  }, "b"],
  ["CW_VAR_name", {
    cwvars: { "a.cwvars": 'level = "cwvars"\n' },
    env: { CW_VAR_level: "env" },
  }, "env"],
  ["--var-file", {
    cwvars: { "a.cwvars": 'level = "cwvars"\n' },
    env: { CW_VAR_level: "env" },
    varFiles: { "prod.vars": 'level = "var-file"\n' },
  }, "var-file"],
  ["--var-file (JSON)", {
    env: { CW_VAR_level: "env" },
    varFiles: { "prod.vars": 'level = "hcl"\n', "prod.json": '{"level": "json"}' },
  }, "json"],
  ["--var", {
    cwvars: { "a.cwvars": 'level = "cwvars"\n' },
    env: { CW_VAR_level: "env" },
    varFiles: { "prod.vars": 'level = "var-file"\n' },
    vars: ["level=flag"],
  }, "flag"],
  ["--var repeated, last wins", { vars: ["level=first", "level=second"] }, "second"],
];

for (const [level, sources, expected] of PRECEDENCE) {
  Deno.test(`variable precedence: ${level}`, async () => {
    const { variables, diagnostics } = await resolveVariables(sources);
    equal(diagnostics.length, 0, diagnostics.map((d) => d.summary).join("; "));
    equal(variables.level?.value, expected);
  });
}

const TYPED = `
variable "port" {
  type = number
}
variable "names" {
  type    = list(string)
  default = []
}
variable "flags" {
  type    = map(bool)
  default = {}
}
variable "sites" {
  type = map(object({
    port = number
    tls  = optional(bool, false)
  }))
  default = {}
}
`;

Deno.test("values are converted to the declared type", async () => {
  const { variables, diagnostics } = await resolveVariables({
    main: TYPED,
    vars: ["port=8080", 'names=["a", "b"]', 'sites={ blog = { port = "81" } }'],
    env: { CW_VAR_flags: '{ on = true, off = "false" }' },
  });
  equal(diagnostics.length, 0, diagnostics.map((d) => `${d.summary}: ${d.detail}`).join("; "));
  equal(variables.port.value, 8080);
  deepEqual(variables.names.value, ["a", "b"]);
  deepEqual({ ...(variables.flags.value as object) }, { on: true, off: false });
  const sites = variables.sites.value as Record<string, Record<string, unknown>>;
  deepEqual({ ...sites.blog }, { port: 81, tls: false });
});

Deno.test("a value that does not convert is rejected with a diagnostic naming both", async () => {
  const { diagnostics } = await resolveVariables({ main: TYPED, vars: ["port=eighty"] });
  const d = diagnostics.find((d) => d.code === "CW2014");
  ok(d, diagnostics.map((d) => d.summary).join("; "));
  match(d.summary, /Invalid value for variable "port"/);
  match(d.detail ?? "", /--var.*number required, but got string/);
});

Deno.test("an object missing a required attribute is rejected", async () => {
  const { diagnostics } = await resolveVariables({
    main: TYPED,
    vars: ["port=1", "sites={ blog = { tls = true } }"],
  });
  const d = diagnostics.find((d) => d.code === "CW2014");
  ok(d);
  match(d.detail ?? "", /attribute "port" is required/);
});

Deno.test("a required variable without a value is an error naming it", async () => {
  const { diagnostics } = await resolveVariables({ main: TYPED });
  const d = diagnostics.find((d) => d.code === "CW2015");
  ok(d);
  match(d.summary, /"port"/);
});

Deno.test("an invalid default is one error, not also a missing value", async () => {
  const { diagnostics } = await resolveVariables({
    main: 'variable "w" {\n  type    = string\n  default = [1]\n}\n',
  });
  const errors = diagnostics.filter((d) => d.severity === "error");
  deepEqual(errors.map((d) => d.code), ["CW2014"]);
  match(errors[0]!.summary, /Invalid default value for variable "w"/);
});

Deno.test("--var for an undeclared variable is an error; in a .cwvars file a warning", async () => {
  const { diagnostics } = await resolveVariables({
    vars: ["levl=x"],
    cwvars: { "a.cwvars": 'other = "x"\n' },
  });
  const flag = diagnostics.find((d) => d.code === "CW2021" && d.severity === "error");
  ok(flag);
  match(flag.detail ?? "", /Did you mean "level"\?/);
  ok(diagnostics.some((d) => d.code === "CW2021" && d.severity === "warning"));
});

Deno.test("a missing --var-file is an error", async () => {
  const dir = await makeTempDir("cw-vars-");
  await writeFiles(dir, { "main.cw": DECLARATION });
  const result = loadConfig({ dir, varFiles: [join(dir, "nope.cwvars")] });
  await Deno.remove(dir, { recursive: true });
  ok(result.diagnostics.some((d) => d.code === "CW2030"));
});

Deno.test("the config digest changes with variable values and file contents", async () => {
  const dir = await makeTempDir("cw-vars-");
  await writeFiles(dir, { "main.cw": DECLARATION });
  const a = loadConfig({ dir }).config!.digest;
  const b = loadConfig({ dir, vars: ["level=other"] }).config!.digest;
  const again = loadConfig({ dir }).config!.digest;
  await Deno.writeTextFile(join(dir, "main.cw"), DECLARATION + "\n# comment\n");
  const c = loadConfig({ dir }).config!.digest;
  await Deno.remove(dir, { recursive: true });
  equal(a, again);
  ok(a !== b && a !== c);
});

Deno.test("null for a variable with nullable = false takes the default, as in Terraform", async () => {
  const main =
    'variable "name" {\n  type     = string\n  default  = "dflt"\n  nullable = false\n}\n' +
    'variable "bare" {\n  type     = string\n  nullable = false\n}\n';
  const { variables, diagnostics } = await resolveVariables({
    main,
    cwvars: { "a.cwvars": 'name = null\nbare = "b"\n' },
  });
  equal(diagnostics.length, 0, diagnostics.map((d) => `${d.summary}: ${d.detail}`).join("; "));
  equal(variables.name.value, "dflt");
  // Without a default there is nothing to fall back on.
  const without = await resolveVariables({ main, cwvars: { "a.cwvars": "bare = null\n" } });
  const d = without.diagnostics.find((d) => d.code === "CW2014");
  ok(d, without.diagnostics.map((d) => d.summary).join("; "));
  match(d.detail ?? "", /not nullable/);
});

Deno.test("a variables file that does not parse is the one error, not also every missing value", async () => {
  const { diagnostics } = await resolveVariables({
    main: 'variable "port" {\n  type = number\n}\n',
    cwvars: { "a.cwvars": "port = = 8080\n" },
  });
  const errors = diagnostics.filter((d) => d.severity === "error");
  equal(errors.length, 1, errors.map((d) => `${d.code} ${d.summary}`).join("; "));
  ok(errors[0]!.code !== "CW2015");
});

Deno.test("a --var that does not parse is one error, not also what its unknown value feeds", async () => {
  const { diagnostics } = await resolveVariables({
    main:
      'variable "names" {\n  type = list(string)\n}\nresource "file" "f" {\n  count   = length(var.names)\n  path    = "/tmp/f${count.index}"\n  content = join(",", var.names)\n}\n',
    vars: ["names=[a"],
  });
  const errors = diagnostics.filter((d) => d.severity === "error");
  equal(errors.length, 1, errors.map((d) => `${d.code} ${d.summary}`).join("; "));
});
