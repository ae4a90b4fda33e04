import { deepEqual, equal, ok } from "node:assert/strict";
import { locateCommand, parseCommandArgs } from "./arguments/parse.ts";
import { editDistance, suggest } from "./arguments/suggest.ts";
import type { Command } from "./commands/_types.ts";

const plan: Command = {
  name: "plan",
  summary: "",
  usage: "clockwork plan",
  options: {
    out: { type: "string", description: "" },
    target: { type: "string", multiple: true, description: "" },
    refresh: { type: "string", description: "" },
    "detailed-exitcode": { type: "boolean", description: "" },
  },
  run: () => Promise.resolve(0),
};
const isGroup = (w: string) => ["state", "plugin", "ai"].includes(w);

Deno.test("editDistance and suggest", () => {
  equal(editDistance("pln", "plan"), 1);
  equal(editDistance("palm", "plan"), 2);
  equal(editDistance("", "abc"), 3);
  equal(suggest("pln", ["plan", "plugin", "apply"]), "plan");
  equal(suggest("aply", ["plan", "apply"]), "apply");
  equal(suggest("--outt", ["--out", "--target"]), "--out");
  equal(suggest("bogus", ["plan", "apply", "init"]), undefined);
  equal(suggest("pl", ["plan", "plugin"]), "plan");
});

Deno.test("locateCommand: global flags before the command, values skipped", () => {
  const r = locateCommand(["-C", "plan", "--json", "plan", "dir"], isGroup);
  ok(r.ok);
  deepEqual(r.value.words, ["plan"]);
  deepEqual(r.value.rest, ["-C", "plan", "--json", "dir"]);
});

Deno.test("locateCommand: two-word commands and inline values", () => {
  const r = locateCommand(["--chdir=x", "state", "--json", "show", "file.a"], isGroup);
  ok(r.ok);
  deepEqual(r.value.words, ["state", "show"]);
  deepEqual(r.value.rest, ["--chdir=x", "--json", "file.a"]);
});

Deno.test("locateCommand: a command flag before the command is an error", () => {
  const r = locateCommand(["--out", "f", "plan"], isGroup);
  equal(r.ok, false);
});

Deno.test("parseCommandArgs: command and global flags mixed, --flag=value forms", () => {
  const r = parseCommandArgs(
    ["dir", "--refresh=false", "--target", "a.b", "--target=c.d", "--json", "--var", "x=1"],
    plan,
  );
  ok(r.ok);
  equal(r.value.values.refresh, "false");
  deepEqual(r.value.values.target, ["a.b", "c.d"]);
  equal(r.value.values.json, true);
  deepEqual(r.value.values.var, ["x=1"]);
  deepEqual(r.value.positionals, ["dir"]);
});

Deno.test("parseCommandArgs: one-line errors with suggestions", () => {
  const unknown = parseCommandArgs(["--detailed-exitcod"], plan);
  ok(!unknown.ok);
  equal(
    unknown.message,
    'clockwork plan: unknown flag "--detailed-exitcod". Did you mean "--detailed-exitcode"?',
  );
  const missing = parseCommandArgs(["--out"], plan);
  ok(!missing.ok);
  equal(missing.message, 'clockwork plan: flag "--out" needs a value');
  const chdir = parseCommandArgs(["-C"], plan);
  ok(!chdir.ok);
  equal(chdir.message, 'clockwork plan: flag "--chdir" needs a value');
  const boolValue = parseCommandArgs(["--json=yes"], plan);
  ok(!boolValue.ok);
  equal(boolValue.message, 'clockwork plan: flag "--json" does not take a value');
});
