/**
 * Command-line details users trip over: Terraform-style flags, a file where a
 * directory belongs, colour per stream, contradicting format flags, state
 * addresses, a full disk, destroy without configuration, wording, and long or
 * wide source lines in diagnostics. The real program, in temp directories.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { bufferIo } from "../src/cli/io.ts";
import { runCli } from "../src/cli/run.ts";
import {
  displayWidth,
  error,
  renderDiagnostics,
  SNIPPET_COLUMNS,
  SourceFile,
} from "../src/hcl/mod.ts";
import { cli, cliArgs, project } from "./apply_support_test.ts";
import { findExecutable } from "./support/system.ts";

const CONFIG = `
resource "file" "s" {
  path    = "\${path.module}/out/s.txt"
  content = "hello"
}
resource "file" "c" {
  count   = 2
  path    = "\${path.module}/out/c\${count.index}.txt"
  content = "c"
}
output "n" { value = "x" }
output "secret" {
  value     = "hunter2"
  sensitive = true
}
`;

/** Runs the dispatcher in-process: usage errors need no configuration or state. */
async function usage(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = bufferIo();
  const code = await runCli(argv, io, {}, await Deno.makeTempDir());
  return { code, out: io.out, err: io.err };
}

Deno.test("Terraform-style single-dash flags suggest the long flag", async () => {
  const cases: [string[], string][] = [
    [["apply", "-auto-approve"], '"-auto-approve". Did you mean "--auto-approve"?'],
    [["plan", "-var", "x=1"], '"-var". Did you mean "--var"?'],
    [["plan", "-out=p.plan"], '"-out". Did you mean "--out"?'],
    [["destroy", "-target=x"], '"-target". Did you mean "--target"?'],
    [["plan", "-detailed-exitcode"], '"-detailed-exitcode". Did you mean "--detailed-exitcode"?'],
    [["plan", "-json"], '"-json". Did you mean "--json"?'],
    [["plan", "-v"], '"-v". Did you mean "clockwork version"?'],
    [["-v"], '"-v" before the command name. Did you mean "clockwork version"?'],
    [["-version"], '"-version" before the command name. Did you mean "clockwork version"?'],
    [["-chdir=x", "plan"], '"-chdir" before the command name. Did you mean "--chdir"?'],
  ];
  for (const [argv, expected] of cases) {
    const r = await usage(argv);
    equal(r.code, 1, argv.join(" "));
    ok(r.err.includes(`unknown flag ${expected}`), `${argv.join(" ")}: ${r.err}`);
    ok(!r.err.includes('"-C"'), `${argv.join(" ")}: ${r.err}`);
  }
  // A one-letter flag is not "close" to another just because both are one letter.
  const x = await usage(["plan", "-x"]);
  equal(x.err, 'clockwork plan: unknown flag "-x". Run "clockwork plan --help" for its flags.\n');
  // Short flags that exist still work: -C with its value attached, -h.
  equal((await usage(["-C.", "version"])).code, 0);
  equal((await usage(["plan", "-h"])).code, 0);
});

Deno.test("the --json CW9001 line carries the same suggestion", async () => {
  const r = await usage(["--json", "apply", "-auto-approve"]);
  equal(r.code, 1);
  const event = JSON.parse(r.out.trim());
  equal(event.code, "CW9001");
  equal(event.summary, 'unknown flag "-auto-approve". Did you mean "--auto-approve"?');
});

Deno.test("--version prints the version; after a command it points to `clockwork version`", async () => {
  const r = await usage(["--version"]);
  equal(r.code, 0, r.err);
  match(r.out, /^clockwork \S+\n/);
  const json = await usage(["--version", "--json"]);
  equal(JSON.parse(json.out).format_version, "1");
  const after = await usage(["plan", "--version"]);
  equal(after.code, 1);
  equal(
    after.err,
    'clockwork plan: unknown flag "--version". Did you mean "clockwork version"?\n',
  );
});

Deno.test("a file given as DIR: says DIR is a directory, with no .env noise", async () => {
  const dir = await project({ "main.cw": CONFIG });
  const planned = await cli(dir, ["plan", "--out", "d.plan"]);
  equal(planned.code, 0, planned.stderr);
  const file = await cli(dir, ["validate", join(dir, "main.cw")]);
  equal(file.code, 1);
  match(file.stderr, /error\[CW2024\]: main\.cw is a file, not a configuration directory/);
  match(file.stderr, /give the directory that holds main\.cw \(\.\) instead/);
  ok(!file.stderr.includes("does not exist"), file.stderr);
  ok(!file.stderr.includes("CW9014") && !file.stderr.includes(".env"), file.stderr);
  for (const command of ["plan", "destroy"]) {
    const r = await cli(dir, [command, "d.plan"]);
    equal(r.code, 1, command);
    match(r.stderr, /d\.plan is a saved plan, not a configuration directory/, command);
    match(r.stderr, /apply it with `clockwork apply d\.plan`/, command);
    ok(!r.stderr.includes("CW9014"), r.stderr);
  }
  const json = await cli(dir, ["validate", "--json", "main.cw"]);
  const doc = JSON.parse(json.stdout);
  equal(doc.valid, false);
  deepEqual(doc.diagnostics.map((d: { code: string }) => d.code), ["CW2024"]);
});

Deno.test("apply PLANFILE from another directory says where to apply it", async () => {
  const dir = await project({ "main.cw": CONFIG });
  equal((await cli(dir, ["plan", "--out", "s.plan"])).code, 0);
  const elsewhere = await Deno.makeTempDir();
  const plan = join(dir, "s.plan");
  const r = await cli(elsewhere, ["apply", plan]);
  equal(r.code, 1);
  match(r.stderr, /No configuration files in/);
  ok(r.stderr.includes(`clockwork -C ${dir} apply ${plan}`), r.stderr);
  const there = await cli(elsewhere, ["-C", dir, "apply", plan]);
  equal(there.code, 0, there.stderr);
});

Deno.test("colour is decided per stream", async (t) => {
  const script = findExecutable("script");
  if (!script) {
    console.log("skipped: `script` (util-linux) is not installed");
    return;
  }
  const dir = await project({ "main.cw": 'resource "file" "a" {\n  path = bogus.x\n}\n' });
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const program = [Deno.execPath(), ...cliArgs(["validate"])].map(quote).join(" ");
  const env = { ...Deno.env.toObject() };
  delete env.NO_COLOR;
  const inTerminal = async (shellCommand: string) => {
    const out = await new Deno.Command(script, {
      args: ["-qec", shellCommand, "/dev/null"],
      cwd: dir,
      clearEnv: true,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    return new TextDecoder().decode(out.stdout);
  };
  await t.step("stderr to a file, stdout a terminal: plain text in the file", async () => {
    await inTerminal(`${program} 2>err.txt`);
    const written = await Deno.readTextFile(join(dir, "err.txt"));
    match(written, /error\[CW2007\]/);
    ok(!written.includes("\x1b["), JSON.stringify(written.slice(0, 80)));
  });
  await t.step("stdout to a file, stderr a terminal: stderr in colour", async () => {
    const seen = await inTerminal(`${program} >out.txt`);
    ok(seen.includes("\x1b[1;31merror[CW2007]"), JSON.stringify(seen.slice(0, 80)));
  });
});

Deno.test("--json beside another format is a usage error, never silently overridden", async () => {
  const dir = await project({ "main.cw": CONFIG });
  equal((await cli(dir, ["apply", "--auto-approve"])).code, 0);
  const graph = await cli(dir, ["graph", "--format", "dot", "--json"]);
  equal(graph.code, 1);
  ok(!graph.stdout.includes("digraph"), graph.stdout);
  equal(JSON.parse(graph.stdout).code, "CW9001");
  match(graph.stderr, /--format dot and --json cannot be used together/);
  equal((await cli(dir, ["graph", "--format", "json", "--json"])).code, 0);
  for (const name of ["n", "secret"]) {
    const r = await cli(dir, ["output", name, "--json", "--raw"]);
    equal(r.code, 1, name);
    ok(!r.stdout.includes("hunter2") && !r.stderr.includes("hunter2"), r.stdout);
    equal(JSON.parse(r.stdout).code, "CW9001");
    match(r.stderr, /--json and --raw cannot be used together/);
  }
});

Deno.test("state show and rm: instances of a counted resource, invalid addresses, labels", async () => {
  const dir = await project({ "main.cw": CONFIG });
  equal((await cli(dir, ["apply", "--auto-approve"])).code, 0);
  const counted = await cli(dir, ["state", "show", "file.c"]);
  equal(counted.code, 1);
  match(counted.stderr, /file\.c is a resource with 2 instances in state; name one of them/);
  match(counted.stderr, /file\.c\[0\], file\.c\[1\]/);
  const invalid = await cli(dir, ["state", "rm", "file["]);
  equal(invalid.code, 1);
  match(invalid.stderr, /error\[CW3007\]: Invalid resource address "file\["/);
  const single = await cli(dir, ["state", "show", "file.s"]);
  match(single.stdout, /^# file\.s:\nresource "file" "s" \{\n/);
  const instance = await cli(dir, ["state", "show", "file.c[1]"]);
  match(instance.stdout, /^# file\.c\[1\]:\nresource "file" "c" \{\n/);
});

Deno.test("a full device is an output error, not an internal error", async () => {
  try {
    Deno.statSync("/dev/full");
  } catch {
    console.log("skipped: no /dev/full");
    return;
  }
  const dir = await project({ "main.cw": CONFIG });
  for (const command of ["version", "plan"]) {
    const r = await new Deno.Command("sh", {
      args: ["-c", '"$@" >/dev/full', "sh", Deno.execPath(), ...cliArgs([command])],
      cwd: dir,
      env: { NO_COLOR: "1" },
      stdout: "null",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(r.stderr);
    equal(r.code, 1, command);
    match(stderr, /^clockwork: cannot write output to stdout: No space left on device/, command);
    ok(!stderr.includes("internal error"), stderr);
  }
});

Deno.test("destroy works from state alone once the .cw files are gone", async () => {
  const dir = await project({ "main.cw": CONFIG });
  equal((await cli(dir, ["apply", "--auto-approve"])).code, 0);
  await Deno.remove(join(dir, "main.cw"));
  const plan = await cli(dir, ["plan"]);
  equal(plan.code, 1);
  match(plan.stderr, /error\[CW2024\]: No configuration files/);
  match(plan.stderr, /still records 3 resources; .*run `clockwork destroy`/);
  const apply = await cli(dir, ["apply", "--auto-approve"]);
  match(apply.stderr, /run `clockwork destroy`/);
  ok(await Deno.stat(join(dir, "out", "s.txt")));

  const destroyed = await cli(dir, ["destroy", "--auto-approve"]);
  equal(destroyed.code, 0, destroyed.stderr);
  match(destroyed.stderr, /warning\[CW2024\]: No configuration files in .*; destroying everything/);
  deepEqual([...Deno.readDirSync(join(dir, "out"))], []);
  equal((await cli(dir, ["state", "list"])).stdout, "");
  // Nothing recorded any more: the usual error, without the destroy note.
  const again = await cli(dir, ["destroy", "--auto-approve"]);
  equal(again.code, 1);
  ok(!again.stderr.includes("clockwork destroy`"), again.stderr);
});

Deno.test("plan wording: one unchanged line hidden is singular", async () => {
  const before = "a\nb\nc\nd\n";
  const dir = await project({
    "main.cw": `resource "file" "m" {\n  path    = "m.txt"\n  content = ${
      JSON.stringify(before)
    }\n}\n`,
  });
  equal((await cli(dir, ["apply", "--auto-approve"])).code, 0);
  await Deno.writeTextFile(
    join(dir, "main.cw"),
    `resource "file" "m" {\n  path    = "m.txt"\n  content = "a\\nb\\nc\\nD\\n"\n}\n`,
  );
  const plan = await cli(dir, ["plan"]);
  equal(plan.code, 0, plan.stderr);
  match(plan.stdout, /# \(1 unchanged line hidden\)/);
});

Deno.test("diagnostics: a long line is cut around the caret", async () => {
  const long = "x".repeat(5_000_000);
  const dir = await project({
    "main.cw":
      `resource "file" "a" {\n  path    = "a.txt"\n  content = "${long}" + bogus.thing\n}\n`,
  });
  const r = await cli(dir, ["validate"]);
  equal(r.code, 1);
  ok(r.stderr.length < 2000, `stderr has ${r.stderr.length} characters`);
  const lines = r.stderr.split("\n");
  const source = lines.find((l) => l.startsWith("3 | "))!;
  const caret = lines[lines.indexOf(source) + 1];
  match(source, /^3 \| \.\.\.x+" \+ bogus\.thing$/);
  equal(caret.indexOf("^"), source.indexOf("bogus"));
  match(caret, /\^{11} /);
});

Deno.test("diagnostics: the caret is placed by display width", () => {
  const text = 'resource "file" "a" {\n  content = "日本語🎉👩‍💻" + bogus.x\n}\n';
  const file = new SourceFile("main.cw", text);
  const start = text.indexOf("bogus");
  const rendered = renderDiagnostics(
    [error("CW2007", "Unknown name", { filename: "main.cw", start, end: start + 7 })],
    (name) => name === "main.cw" ? file : undefined,
  );
  const lines = rendered.split("\n");
  const source = lines[3];
  const caret = lines[4];
  const before = source.slice(0, source.indexOf("bogus"));
  equal(displayWidth(before), caret.indexOf("^"));
  equal(displayWidth('2 |   content = "日本語🎉👩‍💻" + '), caret.indexOf("^"));
  match(caret, /\^{7}$/);
});

Deno.test("diagnostics: a long line of wide characters stays within the window", () => {
  const text = `x = "${"語".repeat(400)}" + bogus + "${"🎉".repeat(400)}"\n`;
  const file = new SourceFile("w.cw", text);
  const start = text.indexOf("bogus");
  const rendered = renderDiagnostics(
    [error("CW2007", "Unknown name", { filename: "w.cw", start, end: start + 5 })],
    () => file,
  );
  const lines = rendered.split("\n");
  const source = lines[3].slice("1 | ".length);
  const caret = lines[4].slice("  | ".length);
  ok(displayWidth(source) <= SNIPPET_COLUMNS + 6, source);
  ok(source.startsWith("...") && source.endsWith("..."), source);
  equal(displayWidth(source.slice(0, source.indexOf("bogus"))), caret.indexOf("^"));
  ok(!source.includes("\ufffd"), "no split surrogate pair");
});
