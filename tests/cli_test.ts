/** The CLI as users meet it: the real program in a temp dir, real shells for completion. */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findExecutable } from "./support/system.ts";
import { runCli as cli } from "./support/cli.ts";

// Every command of CLI.md, as `clockwork --help` must list it.
const CLI_MD_COMMANDS = [
  "init",
  "validate",
  "fmt",
  "plan",
  "compile",
  "apply",
  "assert",
  "destroy",
  "state list",
  "state show",
  "state rm",
  "state pull",
  "force-unlock",
  "output",
  "graph",
  "daemon",
  "plugin add",
  "plugin list",
  "plugin remove",
  "plugin verify",
  "ai status",
  "ai refresh",
  "completion",
  "version",
];

/** Like Promise.all over `items`, with at most `limit` running at once (each spawns a process). */
async function mapLimited<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split("\n");
  equal(lines.length, 1, `expected one stderr line, got:\n${stderr}`);
  ok(!/\bat .*:\d+:\d+/.test(stderr), `stack trace in:\n${stderr}`);
  return lines[0];
}

Deno.test("--help lists every command of CLI.md with a summary", async () => {
  const r = await cli(["--help"]);
  equal(r.code, 0, r.stderr);
  for (const name of CLI_MD_COMMANDS) {
    match(r.stdout, new RegExp(`^  ${name}  +\\S`, "m"), `missing ${name}`);
  }
  for (const flag of ["--chdir", "--json", "--no-color", "--var", "--var-file", "--no-ai"]) {
    ok(r.stdout.includes(flag), flag);
  }
});

Deno.test("every command's --help and -h exits 0 with usage, and `help CMD` works", async () => {
  const results = await mapLimited(
    CLI_MD_COMMANDS,
    6,
    async (name) => {
      const words = name.split(" ");
      return {
        name,
        long: await cli([...words, "--help"]),
        short: await cli(["-h", ...words]),
        help: await cli(["help", ...words]),
      };
    },
  );
  for (const { name, long, short, help } of results) {
    for (const r of [long, short, help]) {
      equal(r.code, 0, `${name}: ${r.stderr}`);
      ok(r.stdout.startsWith(`Usage: clockwork ${name}`), `${name}:\n${r.stdout}`);
      ok(r.stdout.includes("Global flags:"), name);
    }
  }
});

Deno.test("an unknown command: one line, a suggestion, exit 1, no stack trace", async () => {
  const typo = await cli(["pln"]);
  equal(typo.code, 1);
  equal(oneLine(typo.stderr), 'clockwork: unknown command "pln". Did you mean "plan"?');
  equal(typo.stdout, "");

  const bogus = await cli(["bogus"]);
  equal(bogus.code, 1);
  match(oneLine(bogus.stderr), /unknown command "bogus"\. Run "clockwork --help"/);

  const sub = await cli(["state", "lst"]);
  equal(sub.code, 1);
  match(oneLine(sub.stderr), /Did you mean "state list"\?/);
});

Deno.test("an unknown flag or a missing value: one line, exit 1", async () => {
  const unknown = await cli(["plan", "--detailed-exit-code"]);
  equal(unknown.code, 1);
  equal(
    oneLine(unknown.stderr),
    'clockwork plan: unknown flag "--detailed-exit-code". Did you mean "--detailed-exitcode"?',
  );
  const missing = await cli(["plan", "--out"]);
  equal(missing.code, 1);
  equal(oneLine(missing.stderr), 'clockwork plan: flag "--out" needs a value');
  const level = await cli(["version", "--log-level", "loud"]);
  equal(level.code, 1);
  match(oneLine(level.stderr), /invalid --log-level "loud"/);
  const extra = await cli(["version", "extra"]);
  equal(extra.code, 1);
  match(oneLine(extra.stderr), /unexpected argument "extra"/);
  const noSub = await cli(["plugin"]);
  equal(noSub.code, 1);
  match(oneLine(noSub.stderr), /missing subcommand; expected one of add, list, remove, verify/);
});

Deno.test("with --json a usage error is also a diagnostic on stdout", async () => {
  for (
    const args of [["--json", "plan", "--bogus"], ["plan", "--json", "--out"], ["--json", "pln"]]
  ) {
    const r = await cli(args);
    equal(r.code, 1, args.join(" "));
    const lines = r.stdout.trim().split("\n");
    equal(lines.length, 1, r.stdout);
    const d = JSON.parse(lines[0]!);
    deepEqual([d.format_version, d.type, d.severity, d.code], [
      "1",
      "diagnostic",
      "error",
      "CW9001",
    ]);
    ok(!d.summary.startsWith("clockwork"), d.summary);
    ok(r.stderr.includes(d.summary), "the same words on stderr");
  }
  equal((await cli(["plan", "--bogus"])).stdout, "", "without --json stdout stays empty");
});

Deno.test("every command of the table is built: none is left a stub", async () => {
  const { stubs } = await import("../src/cli/commands/_stubs.ts");
  const { commandTable } = await import("../src/cli/commands/_table.ts");
  const stillStubs: string[] = [];
  for (const [name, load] of Object.entries(commandTable)) {
    if (stubs.get(name) === await load()) stillStubs.push(name);
  }
  deepEqual(stillStubs, []);
});

Deno.test("global flags work before and after the command, with --flag=value forms", async () => {
  const dir = await Deno.makeTempDir();
  const before = await cli(["--json", "-C", dir, "version"]);
  const after = await cli(["version", "--json", `--chdir=${dir}`, "--no-color", "--no-ai"]);
  for (const r of [before, after]) {
    equal(r.code, 0, r.stderr);
    equal(JSON.parse(r.stdout).format_version, "1");
  }
  const badDir = await cli(["-C", join(dir, "missing"), "version"]);
  equal(badDir.code, 1);
  match(oneLine(badDir.stderr), /cannot use -C .*: no such directory/);
});

Deno.test("version: human and JSON", async () => {
  const human = await cli(["version"]);
  equal(human.code, 0);
  const { VERSION } = await import("../src/version.ts");
  match(human.stdout, new RegExp(`^clockwork ${VERSION.replaceAll(".", "\\.")}\\n`));
  ok(human.stdout.includes(`deno ${Deno.version.deno}`));
  ok(human.stdout.includes(Deno.build.target));

  const json = JSON.parse((await cli(["version", "--json"])).stdout);
  deepEqual(Object.keys(json), [
    "format_version",
    "version",
    "deno",
    "v8",
    "typescript",
    "target",
    "compiled",
  ]);
  equal(json.version, VERSION);
  equal(json.target, Deno.build.target);
  equal(json.compiled, false);
});

// Completion scripts run in real shells.
const completionScript = async (shell: string) => {
  const r = await cli(["completion", shell]);
  equal(r.code, 0, r.stderr);
  const dir = await Deno.makeTempDir();
  const path = join(dir, `clockwork.${shell}`);
  await Deno.writeTextFile(path, r.stdout);
  return path;
};

async function shell(program: string, args: string[]): Promise<{ code: number; out: string }> {
  const out = await new Deno.Command(program, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, out: text };
}

/** Runs the bash completion function for a command line whose last word is being completed. */
async function bashComplete(script: string, words: string[]): Promise<string[]> {
  const quoted = words.map((w) => `'${w}'`).join(" ");
  const r = await shell("bash", [
    "-c",
    `source '${script}' && COMP_WORDS=(${quoted}) && COMP_CWORD=${
      words.length - 1
    } && _clockwork && printf '%s\\n' "\${COMPREPLY[@]}"`,
  ]);
  equal(r.code, 0, r.out);
  return r.out.split("\n").filter((l) => l !== "");
}

Deno.test("completion bash: registers and completes commands, subcommands and flags", async () => {
  const script = await completionScript("bash");
  const registered = await shell("bash", [
    "-c",
    `source <(cat '${script}') && complete -p clockwork`,
  ]);
  equal(registered.code, 0, registered.out);
  match(registered.out, /complete .*-F _clockwork clockwork/);

  deepEqual(await bashComplete(script, ["clockwork", "pl"]), ["plan", "plugin"]);
  deepEqual(await bashComplete(script, ["clockwork", "state", ""]), ["list", "show", "rm", "pull"]);
  deepEqual(await bashComplete(script, ["clockwork", "--json", "-C", "x", "plugin", "ve"]), [
    "verify",
  ]);
  deepEqual(await bashComplete(script, ["clockwork", "plan", "--det"]), ["--detailed-exitcode"]);
  deepEqual(await bashComplete(script, ["clockwork", "plan", "--no-c"]), ["--no-color"]);
  deepEqual(await bashComplete(script, ["clockwork", "completion", "z"]), ["zsh"]);
  deepEqual(await bashComplete(script, ["clockwork", "--log-level", "de"]), ["debug"]);
});

Deno.test("completion bash works through the real program (`source <(clockwork completion bash)`)", async () => {
  const root = fileURLToPath(new URL("../", import.meta.url));
  const command = `deno run -A --quiet --unstable-worker-options '${join(root, "main.ts")}'`;
  const r = await shell("bash", [
    "-c",
    `source <(${command} completion bash) && complete -p clockwork`,
  ]);
  equal(r.code, 0, r.out);
});

for (const name of ["zsh", "fish"]) {
  const program = findExecutable(name);
  Deno.test({
    name: `completion ${name}: the script parses`,
    ignore: program === undefined,
    async fn() {
      const script = await completionScript(name);
      const r = await shell(program!, ["-n", script]);
      equal(r.code, 0, r.out);
    },
  });
  if (program === undefined) {
    console.log(`SKIP completion ${name} syntax check: ${name} is not installed (optional)`);
  }
}

const fish = findExecutable("fish");
Deno.test({
  name: "completion fish: completes commands, subcommands and flags",
  ignore: fish === undefined,
  async fn() {
    const script = await completionScript("fish");
    const complete = async (line: string) => {
      const r = await shell(fish!, ["-c", `source '${script}'; complete -C '${line}'`]);
      equal(r.code, 0, r.out);
      return r.out.split("\n").filter((l) => l !== "").map((l) => l.split("\t")[0]);
    };
    equal((await complete("clockwork pl")).join(" "), "plan plugin");
    equal((await complete("clockwork state ")).sort().join(" "), "list pull rm show");
    equal((await complete("clockwork plan --det")).join(" "), "--detailed-exitcode");
  },
});

const zsh = findExecutable("zsh");
Deno.test({
  name: "completion zsh: registers with compinit and completes (completion builtins stubbed)",
  ignore: zsh === undefined,
  async fn() {
    const script = await completionScript("zsh");
    const home = await Deno.makeTempDir();
    const registered = await shell(zsh!, [
      "-f",
      "-c",
      `autoload -U compinit && compinit -u -d '${home}/zcd' && source '${script}' && print -- \${_comps[clockwork]}`,
    ]);
    equal(registered.out.trim(), "_clockwork");
    // compadd/_describe only work inside a completion widget; stubs print what
    // would be offered, which exercises the script's own word logic.
    const complete = async (words: string[]) => {
      const r = await shell(zsh!, [
        "-f",
        "-c",
        `compdef() { }; source '${script}'; ` +
        `compadd() { print -l -- "\${@:#--}"; }; _describe() { print -l -- \${(P)\${@[-1]}}; }; ` +
        `_files() { print FILES; }; words=(${words.map((w) => `'${w}'`).join(" ")}); ` +
        `CURRENT=${words.length}; _clockwork`,
      ]);
      equal(r.code, 0, r.out);
      return r.out.split("\n").filter((l) => l !== "").map((l) => l.split(":")[0]);
    };
    deepEqual((await complete(["clockwork", "pl"])).filter((w) => w.startsWith("pl")), [
      "plan",
      "plugin",
    ]);
    deepEqual(await complete(["clockwork", "-C", "x", "state", ""]), [
      "list",
      "show",
      "rm",
      "pull",
    ]);
    ok((await complete(["clockwork", "plan", "--det"])).includes("--detailed-exitcode"));
  },
});

Deno.test("completion scripts list every command", async () => {
  for (const name of ["bash", "zsh", "fish"]) {
    const text = await Deno.readTextFile(await completionScript(name));
    for (const command of CLI_MD_COMMANDS) {
      ok(text.includes(command.split(" ").at(-1)!), `${name}: ${command}`);
    }
  }
  const bad = await cli(["completion", "tcsh"]);
  equal(bad.code, 1);
  match(oneLine(bad.stderr), /unknown shell "tcsh"/);
});

Deno.test("README's command table matches the command table (status column)", async () => {
  const { stubs, isStub } = await import("../src/cli/commands/_stubs.ts");
  const { commandTable } = await import("../src/cli/commands/_table.ts");
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const names = Object.keys(commandTable).sort((a, b) => b.length - a.length);
  const documented = new Map<string, string>();
  for (const line of readme.split("\n")) {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    if (cells.length < 4 || !cells[1].startsWith("`")) continue;
    for (const [, usage] of cells[1].matchAll(/`([^`]+)`/g)) {
      const name = names.find((n) => usage === n || usage.startsWith(n + " "));
      if (name) documented.set(name, cells[3]);
    }
  }
  for (const [name, load] of Object.entries(commandTable)) {
    const expected = isStub(await load()) ? "not implemented yet" : "works";
    equal(
      documented.get(name),
      expected,
      `README.md's command table says "${documented.get(name)}" for ${name}; ` +
        `src/cli/commands/_table.ts makes it "${expected}": update the status column`,
    );
  }
  ok(stubs.size > 0);
});

Deno.test("an invalid setting in .env points at its line there, exit 1", async () => {
  const r = await cli(["plan"], {
    files: {
      "main.cw": 'resource "file" "a" {\n  path    = "a.txt"\n  content = "x"\n}\n',
      ".env": "CLOCKWORK_AI_PROVIDER=none\nCLOCKWORK_LOG_LEVEL=verbose\n",
    },
  });
  equal(r.code, 1, r.stderr);
  match(r.stderr, /error\[CW9011\]: Invalid log level "verbose"\n --> \.env:2:21\n/);
  match(
    r.stderr,
    /\n2 \| CLOCKWORK_LOG_LEVEL=verbose\n *\| {21}\^{7} set by CLOCKWORK_LOG_LEVEL in \.env;/,
  );
});

Deno.test("an invalid setting in the environment names the variable, for every command that reads settings", async () => {
  const files = { "main.cw": 'resource "file" "a" {\n  path    = "a.txt"\n  content = "x"\n}\n' };
  const env = { CLOCKWORK_LOG_LEVEL: "loud" };
  for (const command of [["plan"], ["validate"], ["state", "list"]]) {
    const r = await cli(command, { files, env });
    equal(r.code, 1, `${command.join(" ")}: ${r.stderr}`);
    match(r.stderr, /Invalid log level "loud"\n *set by CLOCKWORK_LOG_LEVEL in the environment;/);
  }
  equal((await cli(["version"], { files, env })).code, 0, "version reads no settings");
});
