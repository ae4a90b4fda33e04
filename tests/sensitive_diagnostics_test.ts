/**
 * CLI.md: "Sensitive values print as `(sensitive)` everywhere". Every
 * diagnostic below is about a sensitive value (or one derived from it); the
 * real CLI runs `validate` and `plan --json`, and neither stdout nor stderr
 * may hold the secret. The diagnostics must still be there, at their lines.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ASSERT_SPECS, loadConfig, META_ARGUMENTS, RESOURCE_TYPES } from "../src/config/mod.ts";
import { runCli } from "./support/cli.ts";

const TOKEN = "s3cr3t-TOKEN";
const PASSWORD = "hunter2-secret";

const config = `variable "token" {
  default   = "${TOKEN}"
  sensitive = true
}
variable "pw" {
  default   = "${PASSWORD}"
  sensitive = true
  validation {
    condition     = length(var.pw) > 100
    error_message = "the password \${var.pw} is too short"
  }
}
locals {
  m = { a = 1 }
}
resource "task" "t" {
  script = "true"
  lang   = var.token
}
resource "command" "c" {
  run     = "true"
  timeout = var.token
}
resource "container" "k" {
  image   = "nginx"
  restart = var.token
  runtime = upper(var.token)
}
resource "file" "number" {
  path    = "n"
  content = tonumber(var.pw)
}
resource "file" "key" {
  path    = "k"
  content = local.m[var.pw]
}
resource "file" "operand" {
  path    = "o"
  content = var.pw + 1
}
resource "file" "derived" {
  path    = "d"
  content = "\${[for c in [var.pw] : local.m[c]][0]}"
}
`;

/** [code, line] of every diagnostic the configuration must produce. */
const expected: [string, number][] = [
  ["CW2016", 5],
  ["CW2006", 18],
  ["CW2019", 22],
  ["CW2006", 26],
  ["CW2006", 27],
  ["CW1106", 31],
  ["CW1102", 35],
  ["CW1103", 39],
  ["CW1102", 43],
];

function assertNoSecret(output: string, what: string): void {
  for (const secret of [TOKEN, PASSWORD, TOKEN.toUpperCase()]) {
    assert.ok(!output.includes(secret), `${what} shows ${secret}:\n${output}`);
  }
}

Deno.test("validate: no diagnostic quotes a sensitive value, each still points at its line", async () => {
  const r = await runCli(["validate"], { files: { "main.cw": config } });
  try {
    assert.equal(r.code, 1, r.stderr);
    assertNoSecret(r.stdout + r.stderr, "validate");
    for (const [code, line] of expected) {
      assert.match(r.stderr, new RegExp(`error\\[${code}\\][^\\n]*\\n +--> main\\.cw:${line}:`));
    }
    assert.match(r.stderr, /got \(sensitive\)/);
    assert.match(r.stderr, /cannot convert this sensitive string to number/);
    assert.match(r.stderr, /the error message includes a sensitive value, so it is not shown/);
  } finally {
    await Deno.remove(r.dir, { recursive: true });
  }
});

Deno.test("validate --json and plan --json: no diagnostic quotes a sensitive value", async () => {
  for (const args of [["validate", "--json"], ["plan", "--json"]]) {
    const r = await runCli(args, { files: { "main.cw": config } });
    try {
      assert.equal(r.code, 1, r.stderr);
      assertNoSecret(r.stdout + r.stderr, args.join(" "));
      const doc = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
      const seen = (doc.diagnostics as { code: string; range?: { start: { line: number } } }[])
        .map((d) => `${d.code}@${d.range?.start.line}`).sort();
      assert.deepEqual(seen, expected.map(([code, line]) => `${code}@${line}`).sort());
    } finally {
      await Deno.remove(r.dir, { recursive: true });
    }
  }
});

Deno.test("a sensitive variable's --var value of the wrong type is not quoted, nor its keys", async () => {
  const r = await runCli(["validate", "--json", "--var", 'm={key-SECRET="x"}'], {
    files: {
      "main.cw": `variable "m" {
  type      = map(number)
  sensitive = true
}
output "o" {
  value     = var.m
  sensitive = true
}
`,
    },
  });
  try {
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.diagnostics.map((d: { code: string }) => d.code), ["CW2014"]);
    assert.ok(!(r.stdout + r.stderr).includes("SECRET"), r.stdout + r.stderr);
    assert.match(doc.diagnostics[0].detail, /number required, but got string/);
  } finally {
    await Deno.remove(r.dir, { recursive: true });
  }
});

/**
 * Every argument of every resource type and assertion kind, and the
 * meta-arguments, given sensitive values of every shape: whatever each one
 * reports, no diagnostic may hold any part of a secret.
 */
Deno.test("sweep: no argument check quotes a sensitive value", async () => {
  const shapes = {
    text: `"x-SECRET-1"`,
    number: "-987654321",
    list: `["a-SECRET", "b-SECRET"]`,
    map: `{ "key-SECRET" = ["v-SECRET"] }`,
  };
  const lines: string[] = [];
  for (const [shape, value] of Object.entries(shapes)) {
    lines.push(`variable "${shape}" {\n  default   = ${value}\n  sensitive = true\n}`);
  }
  let n = 0;
  const block = (body: string[]) => body.map((b) => `  ${b}`).join("\n");
  for (const [type, spec] of Object.entries(RESOURCE_TYPES)) {
    for (
      const arg of [
        ...Object.keys(spec.args),
        ...META_ARGUMENTS.filter((m) => m !== "depends_on"),
      ]
    ) {
      for (const shape of Object.keys(shapes)) {
        lines.push(`resource "${type}" "r${n++}" {\n${block([`${arg} = var.${shape}`])}\n}`);
      }
    }
  }
  for (const [kind, spec] of Object.entries(ASSERT_SPECS)) {
    for (const arg of Object.keys(spec.args)) {
      for (const shape of Object.keys(shapes)) {
        lines.push(
          `check "c${n++}" {\n  assert "${kind}" {\n${block([`  ${arg} = var.${shape}`])}\n  }\n}`,
        );
      }
    }
  }
  const dir = await Deno.makeTempDir({ prefix: "cw-sensitive-args-" });
  try {
    await Deno.writeTextFile(join(dir, "main.cw"), lines.join("\n") + "\n");
    const { diagnostics } = loadConfig({ dir });
    const errors = diagnostics.filter((d) => d.severity === "error");
    assert.ok(errors.length > n / 2, `only ${errors.length} errors for ${n} blocks`);
    const leaks = diagnostics.filter((d) =>
      /SECRET|98765/.test([d.summary, d.detail ?? "", ...(d.notes ?? [])].join("\n"))
    );
    assert.deepEqual(
      leaks.map((d) => `${d.code} ${d.address ?? ""}: ${d.summary}: ${d.detail}`),
      [],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
