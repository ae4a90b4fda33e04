/**
 * Evaluation and type diagnostics through the real CLI: the summary is one
 * line and the detail stands beside the caret (DIAGNOSTICS.md), a template's
 * errors name its line and column, a --var that does not parse is reported
 * once, and type constraints behave as Terraform 1.x's.
 */
import assert from "node:assert/strict";
import { runCli } from "./support/cli.ts";

Deno.test("an evaluation error's summary is one line and its detail stands beside the caret", async () => {
  const r = await runCli(["validate"], {
    files: {
      "main.cw": `variable "names" {
  default = ["a"]
}
resource "file" "f" {
  path    = "x"
  content = jion(",", var.names)
}
`,
    },
  });
  try {
    assert.equal(
      r.stderr.split("\n").slice(0, 5).join("\n"),
      `error[CW1105]: Call to unknown function
 --> main.cw:6:13
  |
6 |   content = jion(",", var.names)
  |             ^^^^ There is no function named "jion". Did you mean "join"?`,
    );
  } finally {
    await Deno.remove(r.dir, { recursive: true });
  }
});

Deno.test("a --var that does not parse is reported once, not again where the variable is used", async () => {
  const r = await runCli(["validate", "--json", "--var", "names=[a"], {
    files: {
      "main.cw": `variable "names" {
  type    = list(string)
  default = ["a"]
}
resource "file" "f" {
  path    = "x"
  content = join(",", var.names)
}
`,
    },
  });
  try {
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.diagnostics.map((d: { code: string }) => d.code), ["CW1010"]);
  } finally {
    await Deno.remove(r.dir, { recursive: true });
  }
});

Deno.test("templatefile errors name the template's line and column", async () => {
  const r = await runCli(["validate"], {
    files: {
      "t.tpl": "hello\nname: ${nme}\n",
      "main.cw": `resource "file" "f" {
  path    = "x"
  content = templatefile("t.tpl", { name = "x" })
}
`,
    },
  });
  try {
    assert.match(r.stderr, /error\[CW1106\]: Error in function call\n/);
    assert.match(r.stderr, /t\.tpl:2:9: Unknown variable; There is no variable named "nme"/);
  } finally {
    await Deno.remove(r.dir, { recursive: true });
  }
});

Deno.test("a quoted type is an error that says to remove the quotes", async () => {
  const r = await runCli(["validate", "--json"], {
    files: { "main.cw": `variable "l" {\n  type    = "list"\n  default = ["a"]\n}\n` },
  });
  try {
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(
      doc.diagnostics.map((d: { code: string; summary: string }) => `${d.code} ${d.summary}`),
      ["CW2017 Invalid quoted type constraints"],
    );
    assert.match(
      doc.diagnostics[0].detail,
      /remove the quotes around "list" and write list\(string\)/,
    );
  } finally {
    await Deno.remove(r.dir, { recursive: true });
  }
});

Deno.test("an object value's attributes the type does not name are dropped", async () => {
  const r = await runCli(["plan", "--json", "--var", 'cfg={a="x", c=1}'], {
    files: {
      "main.cw":
        `variable "cfg" {\n  type = object({a = string})\n}\noutput "cfg" {\n  value = var.cfg\n}\n`,
    },
  });
  try {
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.outputs.cfg.value, { a: "x" });
  } finally {
    await Deno.remove(r.dir, { recursive: true });
  }
});

Deno.test("a type in a message shows an optional attribute's default", async () => {
  const r = await runCli(["validate"], {
    files: {
      "main.cw": `variable "o" {
  type    = object({a = optional(number, 5)})
  default = { a = "x" }
}
`,
    },
  });
  try {
    assert.match(r.stderr, /does not match type object\(\{a = optional\(number, 5\)\}\)/);
  } finally {
    await Deno.remove(r.dir, { recursive: true });
  }
});
