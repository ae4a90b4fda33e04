/**
 * The single-file binary from scripts/compile.ts runs `version` and `validate`.
 * Needs denort (DENORT_BIN, or the zip in Deno's cache): without one this test is
 * ignored with a printed reason, and .ci/run does not count that as a failure
 * (tests named "compiled binary…" are exempt; no internet means no denort).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { denortUnavailableReason } from "../scripts/compile.ts";
import { makeTempDir, writeFiles } from "./support/cli.ts";

const NAME = "compiled binary: version and validate work without deno";
const compileScript = new URL("../scripts/compile.ts", import.meta.url).pathname;
const unavailable = denortUnavailableReason();

const decoder = new TextDecoder();
async function run(program: string, args: string[], cwd?: string) {
  const result = await new Deno.Command(program, {
    args,
    cwd,
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  return {
    code: result.code,
    stdout: decoder.decode(result.stdout),
    stderr: decoder.decode(result.stderr),
  };
}

if (unavailable) {
  console.log(`SKIP ${NAME}: ${unavailable} (not a CI failure)`);
  Deno.test({ name: NAME, ignore: true, fn() {} });
} else {
  Deno.test(NAME, async () => {
    const dir = await makeTempDir();
    try {
      const binary = join(dir, "clockwork");
      const compiled = await run(Deno.execPath(), [
        "run",
        "--allow-all",
        compileScript,
        "--output",
        binary,
      ]);
      assert.equal(compiled.code, 0, compiled.stderr);

      const version = await run(binary, ["version"], dir);
      assert.equal(version.code, 0, version.stderr);
      assert.match(version.stdout, /\d+\.\d+\.\d+/);

      const project = join(dir, "project");
      await writeFiles(project, {
        "main.cw": [
          `variable "greeting" {`,
          `  type    = string`,
          `  default = "hello"`,
          `}`,
          ``,
          `resource "file" "index" {`,
          `  path    = "\${path.root}/out/index.html"`,
          `  content = "<h1>\${var.greeting}</h1>"`,
          `}`,
          ``,
        ].join("\n"),
        "broken/main.cw": `resource "file" "index" {\n  path = "x"\n`,
      });
      const valid = await run(binary, ["validate", "."], project);
      assert.equal(valid.code, 0, valid.stdout + valid.stderr);
      const invalid = await run(binary, ["validate", "broken"], project);
      assert.equal(invalid.code, 1);
      assert.match(invalid.stdout + invalid.stderr, /error\[CW1\d{3}\]/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
