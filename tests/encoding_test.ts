/**
 * Character encodings: HCL input (.cw, .cwvars, --var-file, fmt) must be
 * UTF-8 and anything else is refused at its first bad byte; a UTF-8 BOM is
 * accepted and is not a column; a file resource's binary `source` is copied
 * byte for byte, through plan, apply, drift detection and assertions.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  decodeSource,
  firstInvalidUtf8Byte,
  renderDiagnostics,
  SourceFile,
  sourceMap,
} from "../src/hcl/mod.ts";
import {
  compileBundle,
  REMOTE_WRITE_BASE64_FILE_SCRIPT,
  REMOTE_WRITE_FILE_SCRIPT,
  validateBundle,
} from "../src/forge/mod.ts";
import { testPlan, testResource } from "../src/forge/testing.ts";
import { cli, project } from "./apply_support_test.ts";
import { hostBlock, startSshd } from "./support/sshd.ts";
import { systemTest } from "./support/system.ts";

const encoder = new TextEncoder();

function bytesOf(...parts: (string | number[])[]): Uint8Array {
  const chunks = parts.map((p) => typeof p === "string" ? encoder.encode(p) : new Uint8Array(p));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** 300 bytes starting like a PNG (0x89 is never valid UTF-8 first) and holding every byte value. */
function binaryBlob(size = 300, seed = 7): Uint8Array {
  const blob = new Uint8Array(size);
  blob.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  for (let i = 8; i < size; i++) blob[i] = (i * 37 + seed) & 0xff;
  return blob;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

interface JsonPosition {
  line: number;
  column: number;
  byte: number;
}

function jsonDiagnostics(
  stdout: string,
): { code: string; range: { filename: string; start: JsonPosition } }[] {
  return JSON.parse(stdout).diagnostics;
}

// ------------------------------------------------------------ the decoder

Deno.test("decodeSource: agrees with the WHATWG decoder on which bytes are UTF-8", () => {
  const cases: number[][] = [
    [0xc0, 0x80], // overlong NUL
    [0xe0, 0x80, 0x80], // overlong
    [0xed, 0xa0, 0x80], // a surrogate
    [0xf4, 0x90, 0x80, 0x80], // past U+10FFFF
    [0xf0, 0x9f, 0x98], // truncated at the end
    [0xe2, 0x82, 0x41], // truncated before ASCII
    [0x80],
    [0xff],
    [0xf0, 0x9f, 0x98, 0x80], // 😀
  ];
  let state = 12345;
  for (let n = 0; n < 2000; n++) {
    const bytes: number[] = [];
    const length = n % 12;
    for (let i = 0; i < length; i++) {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      // Mostly bytes that start or continue multi-byte sequences, to hit the edges.
      bytes.push(state % 3 === 0 ? state & 0x7f : 0x80 | (state >> 8) & 0x7f);
    }
    cases.push(bytes);
  }
  const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  for (const bytes of cases) {
    const input = new Uint8Array([0x61, ...bytes, 0x62]);
    let valid = true;
    try {
      strict.decode(input);
    } catch {
      valid = false;
    }
    const bad = firstInvalidUtf8Byte(input);
    assert.equal(bad === -1, valid, `${[...input].map((b) => b.toString(16))}`);
    if (bad !== -1) strict.decode(input.subarray(0, bad)); // the prefix is UTF-8
  }
});

Deno.test("decodeSource: a bad byte in the middle of a file is reported at its line and column", () => {
  const bytes = bytesOf('a = 1\nb = "é ', [0xe9], ' x"\n');
  const { file, diagnostics } = decodeSource(bytes, "main.cw");
  assert.equal(diagnostics.length, 1);
  const d = diagnostics[0];
  assert.equal(d.code, "CW1020");
  assert.equal(d.summary, "Invalid character encoding");
  assert.match(d.detail!, /byte 0xE9 is not valid UTF-8/);
  // Column counts "é" once; the byte offset counts its two bytes.
  assert.deepEqual(file.position(d.subject!.start), { line: 2, column: 8, byte: 14 });
  assert.equal(bytes[14], 0xe9);
  const shown = renderDiagnostics(diagnostics, sourceMap([file]));
  assert.match(shown, /--> main\.cw:2:8\n/);
  assert.match(shown, /\n2 \| b = "é \uFFFD x"\n {2}\| {8}\^ byte 0xE9/);
});

Deno.test("decodeSource: UTF-16 and UTF-32 files are named as such", () => {
  const text = 'a = "x"\n';
  const le = bytesOf([0xff, 0xfe], [...text].flatMap((c) => [c.charCodeAt(0), 0]));
  const be = bytesOf([0xfe, 0xff], [...text].flatMap((c) => [0, c.charCodeAt(0)]));
  const bare = bytesOf([...text].flatMap((c) => [c.charCodeAt(0), 0]));
  const utf32 = bytesOf([0xff, 0xfe, 0, 0], [...text].flatMap((c) => [c.charCodeAt(0), 0, 0, 0]));
  for (
    const [bytes, name] of [
      [le, "UTF-16LE"],
      [be, "UTF-16BE"],
      [bare, "UTF-16LE"],
      [utf32, "UTF-32LE"],
    ] as const
  ) {
    const { file, diagnostics } = decodeSource(bytes, "main.cw");
    assert.equal(diagnostics.length, 1, name);
    assert.equal(diagnostics[0].code, "CW1020");
    assert.equal(diagnostics[0].detail, `the file is ${name} encoded, not UTF-8`);
    assert.deepEqual(file.position(diagnostics[0].subject!.start), { line: 1, column: 1, byte: 0 });
    if (name.startsWith("UTF-16")) {
      // The snippet shows the line as the user's editor does.
      assert.match(renderDiagnostics(diagnostics, sourceMap([file])), /\n1 \| a = "x"\n/);
    }
  }
});

Deno.test("SourceFile: a UTF-8 BOM is not a column; bytes count it, the snippet does not show it", () => {
  const file = new SourceFile("main.cw", "\uFEFFresource x {\n}\n");
  assert.deepEqual(file.position(1), { line: 1, column: 1, byte: 3 });
  assert.deepEqual(file.position(10), { line: 1, column: 10, byte: 12 });
  assert.deepEqual(file.position(0), { line: 1, column: 1, byte: 0 });
  assert.equal(file.lineText(1), "resource x {");
  const { diagnostics } = decodeSource(bytesOf([0xef, 0xbb, 0xbf], "a = 1\n"), "main.cw");
  assert.deepEqual(diagnostics, []);
});

// ------------------------------------------------------------ fmt

Deno.test("fmt: a Latin-1 file is refused and left byte for byte as it was", async () => {
  const latin1 = bytesOf("# R", [0xe9], "sum", [0xe9], "\na   =   1\n");
  const dir = await project({ "ok.cw": "b   =   2\n" });
  const file = join(dir, "main.cw");
  Deno.writeFileSync(file, latin1);
  try {
    const run = await cli(dir, ["fmt"]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /error\[CW1020\]: Invalid character encoding/);
    assert.match(run.stderr, /--> main\.cw:1:4\n/);
    assert.deepEqual(Deno.readFileSync(file), latin1, "fmt rewrote a file it could not decode");
    // The other file is still formatted.
    assert.equal(Deno.readTextFileSync(join(dir, "ok.cw")), "b = 2\n");

    const check = await cli(dir, ["--json", "fmt", "--check", "main.cw"]);
    assert.equal(check.code, 1);
    const [d] = jsonDiagnostics(check.stdout);
    assert.equal(d.code, "CW1020");
    assert.deepEqual(d.range.start, { line: 1, column: 4, byte: 3 });
    assert.deepEqual(Deno.readFileSync(file), latin1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fmt: a UTF-16 file is refused as UTF-16 and left as it was", async () => {
  const utf16 = bytesOf([0xff, 0xfe], [..."a   =   1\n"].flatMap((c) => [c.charCodeAt(0), 0]));
  const dir = await project({});
  Deno.writeFileSync(join(dir, "main.cw"), utf16);
  try {
    const run = await cli(dir, ["fmt"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /the file is UTF-16LE encoded, not UTF-8/);
    assert.doesNotMatch(run.stderr, /CW1001/);
    assert.deepEqual(Deno.readFileSync(join(dir, "main.cw")), utf16);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ------------------------------------------------------------ configuration input

Deno.test("configuration: invalid UTF-8 in a .cw file stops the run at its byte; nothing is written", async () => {
  const dir = await project({});
  const out = join(dir, "out.txt");
  Deno.writeFileSync(
    join(dir, "main.cw"),
    bytesOf(
      'resource "file" "x" {\n  path    = "${path.module}/out.txt"\n  content = "café ',
      [0xe9],
      '"\n}\n',
    ),
  );
  try {
    const validate = await cli(dir, ["--json", "validate"]);
    assert.equal(validate.code, 1);
    const diags = jsonDiagnostics(validate.stdout);
    assert.deepEqual(diags.map((d) => d.code), ["CW1020"]);
    assert.deepEqual(diags[0].range.start, { line: 3, column: 19, byte: 78 });
    assert.equal(diags[0].range.filename, "main.cw");

    const apply = await cli(dir, ["apply", "--auto-approve"]);
    assert.equal(apply.code, 1);
    assert.match(apply.stderr, /--> main\.cw:3:19\n/);
    assert.match(apply.stderr, /\^ byte 0xE9 is not valid UTF-8/);
    await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("configuration: .cwvars and --var-file files must be UTF-8 too", async () => {
  const dir = await project({
    "main.cw": `
variable "name" { type = string }
resource "file" "x" {
  path    = "\${path.module}/out.txt"
  content = var.name
}
`,
  });
  try {
    Deno.writeFileSync(join(dir, "prod.vars"), bytesOf('\nname = "Jos', [0xe9], '"\n'));
    const varFile = await cli(dir, ["plan", "--var-file", "prod.vars"]);
    assert.equal(varFile.code, 1);
    assert.match(
      varFile.stderr,
      /error\[CW1020\]: Invalid character encoding\n --> prod\.vars:2:12\n/,
    );

    Deno.writeFileSync(join(dir, "vars.json"), bytesOf('{"name": "Jos', [0xe9], '"}'));
    const json = await cli(dir, ["plan", "--var-file", "vars.json"]);
    assert.equal(json.code, 1);
    assert.match(json.stderr, /CW1020[^]*vars\.json:1:14/);

    Deno.writeFileSync(join(dir, "a.cwvars"), bytesOf('name = "Jos', [0xe9], '"\n'));
    const cwvars = await cli(dir, ["plan"]);
    assert.equal(cwvars.code, 1);
    assert.match(cwvars.stderr, /CW1020[^]*a\.cwvars:1:12/);
    await assert.rejects(Deno.stat(join(dir, "out.txt")), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("configuration: in a file with a UTF-8 BOM the first character is column 1, byte 3", async () => {
  const dir = await project({});
  Deno.writeFileSync(
    join(dir, "main.cw"),
    bytesOf([0xef, 0xbb, 0xbf], 'resource "file" "x" {\n  pathh = "a"\n}\n'),
  );
  try {
    const json = await cli(dir, ["--json", "validate"]);
    const missing = jsonDiagnostics(json.stdout).find((d) => d.code === "CW2005")!;
    assert.deepEqual(missing.range.start, { line: 1, column: 1, byte: 3 });
    const human = await cli(dir, ["validate"]);
    assert.match(
      human.stderr,
      /--> main\.cw:1:1\n {2}\|\n1 \| resource "file" "x" \{\n {2}\| \^{19} /,
    );
    assert.doesNotMatch(human.stderr, /\uFEFF/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ------------------------------------------------------------ binary sources

Deno.test("file source: binary content is copied byte for byte, re-plans clean, drift is found and repaired", async () => {
  const blob = binaryBlob();
  // UTF-8 text with a BOM stays text, and the BOM is copied too.
  const bomText = bytesOf([0xef, 0xbb, 0xbf], "héllo\n");
  const config = (blobSha: string) => `
resource "file" "blob" {
  path   = "\${path.module}/out/blob.bin"
  source = "blob.bin"
  mode   = "0600"

  assert "file_content" {
    sha256 = "${blobSha}"
  }
}
resource "file" "text" {
  path   = "\${path.module}/out/text.txt"
  source = "text.txt"
}
`;
  const dir = await project({ "main.cw": config(sha256(blob)) });
  const out = join(dir, "out/blob.bin");
  Deno.writeFileSync(join(dir, "blob.bin"), blob);
  Deno.writeFileSync(join(dir, "text.txt"), bomText);
  try {
    const plan = await cli(dir, ["plan"]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /\+ content_base64 = \(binary, 300 bytes\)\n/);
    assert.match(plan.stdout, /\+ content = <<-EOT\n\s+\uFEFFhéllo\n/);

    const apply = await cli(dir, ["apply", "--auto-approve"]);
    assert.equal(apply.code, 0, apply.stderr + apply.stdout);
    assert.deepEqual(Deno.readFileSync(out), blob);
    assert.deepEqual(Deno.readFileSync(join(dir, "out/text.txt")), bomText);
    assert.equal(Deno.statSync(out).mode! & 0o777, 0o600);
    assert.match(apply.stdout, /✓.*file_content/);
    const state = JSON.parse(Deno.readTextFileSync(join(dir, ".clockwork/state.json")));
    const recorded = state.resources.find((r: { address: string }) => r.address === "file.blob");
    assert.equal(recorded.observed.sha256, sha256(blob));
    assert.equal(recorded.observed.size, 300);
    assert.equal(recorded.attributes.content, undefined);

    const again = await cli(dir, ["plan"]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^No changes\./);

    const tampered = blob.slice();
    tampered[100] ^= 0xff;
    Deno.writeFileSync(out, tampered);
    const drift = await cli(dir, ["plan"]);
    assert.match(
      drift.stdout,
      /# file\.blob will be updated in-place\n\s+# \(file was modified outside Clockwork \(sha256 [0-9a-f]{12}…, recorded [0-9a-f]{12}…\)\)/,
    );
    assert.doesNotMatch(drift.stdout, /file\.text/);
    const repair = await cli(dir, ["apply", "--auto-approve"]);
    assert.equal(repair.code, 0, repair.stderr + repair.stdout);
    assert.deepEqual(Deno.readFileSync(out), blob);

    // A new binary source is an in-place update, shown by size, applied from a saved plan.
    const bigger = binaryBlob(310, 11);
    Deno.writeFileSync(join(dir, "blob.bin"), bigger);
    Deno.writeTextFileSync(join(dir, "main.cw"), config(sha256(bigger)));
    const update = await cli(dir, ["plan", "--out", "update.plan"]);
    assert.equal(update.code, 0, update.stderr);
    assert.match(
      update.stdout,
      /~ content_base64 = \(binary, 300 bytes\) -> \(binary, 310 bytes\)\n/,
    );
    assert.doesNotMatch(update.stdout, /forces replacement/);
    const applied = await cli(dir, ["apply", "update.plan"]);
    assert.equal(applied.code, 0, applied.stderr + applied.stdout);
    assert.deepEqual(Deno.readFileSync(out), bigger);
    assert.match((await cli(dir, ["plan"])).stdout, /^No changes\./);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("forge: base64 content is a base64 data artifact whose sha256 is the bytes", () => {
  const blob = binaryBlob();
  const base64 = blob.toBase64();
  const compile = (host: string | null) => {
    const plan = testPlan([
      testResource(
        "file",
        "blob",
        { path: "/srv/blob.bin", content_base64: base64 },
        host ? { host } : {},
      ),
    ]);
    const compiled = compileBundle(plan, { rootDir: "/srv" });
    return { plan, ...compiled };
  };
  const local = compile(null);
  assert.deepEqual(local.diagnostics, []);
  const [data] = local.value.artifacts;
  assert.equal(data.encoding, "base64");
  assert.equal(data.content, base64);
  assert.equal(data.sha256, sha256(blob));

  const remote = compile("web1");
  assert.deepEqual(remote.diagnostics, []);
  const buildDir = "/srv/.clockwork/build";
  assert.deepEqual(validateBundle(remote.value, remote.plan, buildDir), []);
  const [step] = remote.value.steps;
  assert.equal(step.argv[2], REMOTE_WRITE_BASE64_FILE_SCRIPT);
  // Sending base64 to the plain script would write the base64 text: validation refuses it.
  const swapped = {
    ...remote.value,
    steps: [{ ...step, argv: step.argv.with(2, REMOTE_WRITE_FILE_SCRIPT) }],
  };
  const problems = validateBundle(swapped, remote.plan, buildDir);
  assert.ok(
    problems.some((d) => d.code === "CW4041" && /would not decode its stdin/.test(d.summary)),
    JSON.stringify(problems),
  );
});

systemTest(
  "file source: binary content reaches a remote host byte for byte",
  ["sshd"],
  async () => {
    const sshd = await startSshd();
    const remote = await Deno.makeTempDir({ prefix: "cw-remote-" });
    const target = join(remote, "blob.bin");
    const blob = binaryBlob();
    const dir = await project({
      "main.cw": hostBlock(sshd) + `
resource "file" "blob" {
  host   = host.web1
  path   = "${target}"
  source = "blob.bin"
}
`,
    });
    Deno.writeFileSync(join(dir, "blob.bin"), blob);
    try {
      const apply = await cli(dir, ["apply", "--auto-approve"]);
      assert.equal(apply.code, 0, apply.stderr + apply.stdout + sshd.log());
      assert.deepEqual(await Deno.readFile(target), blob);
      // Recorded as the local write records it: the bytes' digest and size.
      const state = JSON.parse(Deno.readTextFileSync(join(dir, ".clockwork/state.json")));
      const recorded = state.resources.find((r: { address: string }) => r.address === "file.blob");
      assert.equal(recorded.observed?.sha256, sha256(blob));
      assert.equal(recorded.observed?.size, blob.length);
      assert.match((await cli(dir, ["plan"])).stdout, /^No changes\./);
      await Deno.writeFile(target, blob.subarray(1));
      const drift = await cli(dir, ["plan"]);
      assert.match(drift.stdout, /file was modified outside Clockwork/);
      const repair = await cli(dir, ["apply", "--auto-approve"]);
      assert.equal(repair.code, 0, repair.stderr + repair.stdout);
      assert.deepEqual(await Deno.readFile(target), blob);
    } finally {
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(remote, { recursive: true });
      await sshd.stop();
    }
  },
);
