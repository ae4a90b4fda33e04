import { equal, match, ok } from "node:assert/strict";
import { bufferIo } from "./io.ts";
import { runCli } from "./run.ts";
import type { Io } from "./commands/_types.ts";

function throwingIo(base: Io & { readonly err: string }, message: string) {
  return {
    ...base,
    stdout(): void {
      throw new Error(`${message}\nsecond line`);
    },
    get err() {
      return base.err;
    },
  };
}

Deno.test("an exception inside a command: one line, exit 1, stack only at debug level", async () => {
  const quiet = bufferIo();
  const io = throwingIo(quiet, "boom");
  equal(await runCli(["version"], io, {}, Deno.cwd()), 1);
  equal(quiet.err, "clockwork: internal error: boom\n");

  const loud = bufferIo();
  equal(
    await runCli(["version", "--log-level=debug"], throwingIo(loud, "boom"), {}, Deno.cwd()),
    1,
  );
  match(loud.err, /^clockwork: internal error: boom\nError: boom\nsecond line\n {4}at /);
});

Deno.test("NO_COLOR and --no-color turn colour off", async () => {
  for (
    const [argv, env] of [[["--help"], { NO_COLOR: "1" }], [["--help", "--no-color"], {}]] as const
  ) {
    const io = bufferIo({ color: true });
    equal(await runCli([...argv], io, env, Deno.cwd()), 0);
    ok(!io.out.includes("\x1b["), io.out);
  }
  const coloured = bufferIo({ color: true });
  await runCli(["--help"], coloured, {}, Deno.cwd());
  ok(coloured.out.includes("\x1b[1m"));
});

Deno.test("-C is resolved against the given cwd and must be a directory", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/file`, "");
  const io = bufferIo();
  equal(await runCli(["-C", "file", "version"], io, {}, dir), 1);
  equal(io.err, 'clockwork: cannot use -C "file": not a directory\n');
  const ok2 = bufferIo();
  equal(await runCli(["-C", ".", "version"], ok2, {}, dir), 0);
});

Deno.test("no command prints the overview; a stray word is an error", async () => {
  const io = bufferIo();
  equal(await runCli([], io, {}, Deno.cwd()), 0);
  match(io.out, /^clockwork \S+: declarative host automation/);
  const group = bufferIo();
  equal(await runCli(["ai", "--help"], group, {}, Deno.cwd()), 0);
  match(group.out, /ai status .*\n {2}ai refresh/);
  const stray = bufferIo();
  equal(await runCli(["--", "plan"], stray, {}, Deno.cwd()), 1);
  equal(stray.err, 'clockwork: unexpected argument "plan"\n');
});

Deno.test("--var must be NAME=VALUE; --help wins over a bad flag", async () => {
  const io = bufferIo();
  equal(await runCli(["version", "--var", "port"], io, {}, Deno.cwd()), 1);
  equal(io.err, 'clockwork: --var needs NAME=VALUE, got "port"\n');
  const good = bufferIo();
  equal(await runCli(["version", "--var", "port=80", "--var=name=a=b"], good, {}, Deno.cwd()), 0);
  const help = bufferIo();
  equal(await runCli(["plan", "--bogus", "--help"], help, {}, Deno.cwd()), 0);
  match(help.out, /^Usage: clockwork plan/);
});
