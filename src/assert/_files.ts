/**
 * file_exists, file_permissions, file_size, file_content: on this machine
 * through Deno's file APIs (LOCAL_FILES), or on a host through the access
 * the caller gives.
 */
import { createHash } from "node:crypto";
import { type Args, ArgumentError } from "./_args.ts";
import type { FileAccess, FileFacts, Verdict } from "./types.ts";

async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return null;
    }
    throw error;
  }
}

/** Reads `path` whole; null when missing, "directory" for a directory. */
async function readOrNull(path: string): Promise<Uint8Array | null | "directory"> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    if (error instanceof Deno.errors.IsADirectory) return "directory";
    throw error;
  }
}

export const LOCAL_FILES: FileAccess = {
  async stat(path) {
    const info = await statOrNull(path);
    if (!info) return null;
    return {
      isFile: info.isFile,
      isDirectory: info.isDirectory,
      size: info.size,
      mode: info.mode === null ? null : info.mode & 0o7777,
      uid: info.uid,
      gid: info.gid,
    };
  },
  async readText(path) {
    const bytes = await readOrNull(path);
    if (bytes === null || bytes === "directory") return bytes;
    return { text: new TextDecoder().decode(bytes), bytes: bytes.length };
  },
  async sha256(path) {
    const bytes = await readOrNull(path);
    if (bytes === null || bytes === "directory") return bytes;
    return createHash("sha256").update(bytes).digest("hex");
  },
  async readOptional(path) {
    try {
      return await Deno.readTextFile(path);
    } catch {
      return "";
    }
  },
};

function describeKind(info: FileFacts): string {
  if (info.isDirectory) return "a directory";
  if (info.isFile) return `a file of ${info.size} bytes`;
  return "a special file";
}

function missing(path: string, expected: string): Verdict {
  return { passed: false, expected, actual: "missing", message: `${path} does not exist` };
}

export async function checkFileExists(args: Args, files: FileAccess): Promise<Verdict> {
  const path = args.path("path");
  const info = await files.stat(path);
  if (!info) return missing(path, "exists");
  return {
    passed: true,
    expected: "exists",
    actual: describeKind(info),
    message: `${path} exists`,
  };
}

/**
 * Accepts what the configuration accepts: "0644", "644", "0o644", "4755" and
 * the number 644 (its digits read as octal, as chmod does).
 */
export function parseMode(value: string): number {
  const match = /^(?:0o)?([0-7]{3,4})$/.exec(value.trim());
  if (!match) {
    throw new ArgumentError(
      `argument "mode" must be an octal mode such as "0644", "644" or "0o644", got "${value}"`,
    );
  }
  return parseInt(match[1]!, 8);
}

export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}

/**
 * name -> id and id -> name from /etc/passwd or /etc/group (reading files is
 * allowed anywhere); without the file, numeric ids only.
 */
async function accountTable(files: FileAccess, file: string): Promise<Map<string, string>> {
  const table = new Map<string, string>();
  const text = await files.readOptional(file);
  for (const line of text.split("\n")) {
    const [name, , id] = line.split(":");
    if (!name || id === undefined || name.startsWith("#")) continue;
    if (!table.has(`id:${id}`)) table.set(`id:${id}`, name);
    table.set(`name:${name}`, id);
  }
  return table;
}

/** Compares an expected owner/group (a name or a numeric id) with an actual numeric id. */
function matchAccount(expected: string, actualId: number | null, table: Map<string, string>) {
  const actualName = actualId === null ? null : table.get(`id:${actualId}`) ?? null;
  const shown = actualName ?? (actualId === null ? "unknown" : String(actualId));
  const expectedId = /^\d+$/.test(expected) ? expected : table.get(`name:${expected}`);
  const ok = actualId !== null && expectedId !== undefined && Number(expectedId) === actualId;
  return { ok, shown };
}

export async function checkFilePermissions(args: Args, files: FileAccess): Promise<Verdict> {
  const path = args.path("path");
  const wantMode = args.has("mode") ? parseMode(args.string("mode")) : null;
  const wantOwner = args.string("owner", null);
  const wantGroup = args.string("group", null);
  if (wantMode === null && wantOwner === null && wantGroup === null) {
    throw new ArgumentError(`file_permissions needs at least one of "mode", "owner", "group"`);
  }
  const expectedParts: string[] = [];
  if (wantMode !== null) expectedParts.push(`mode ${formatMode(wantMode)}`);
  if (wantOwner !== null) expectedParts.push(`owner ${wantOwner}`);
  if (wantGroup !== null) expectedParts.push(`group ${wantGroup}`);
  const expected = expectedParts.join(", ");
  const info = await files.stat(path);
  if (!info) return missing(path, expected);

  const actualParts: string[] = [];
  const problems: string[] = [];
  if (wantMode !== null) {
    const mode = info.mode;
    const shown = mode === null ? "unknown" : formatMode(mode);
    actualParts.push(`mode ${shown}`);
    if (mode !== wantMode) problems.push(`mode is ${shown}, not ${formatMode(wantMode)}`);
  }
  if (wantOwner !== null) {
    const { ok, shown } = matchAccount(
      wantOwner,
      info.uid,
      await accountTable(files, "/etc/passwd"),
    );
    actualParts.push(`owner ${shown}`);
    if (!ok) problems.push(`owner is ${shown}, not ${wantOwner}`);
  }
  if (wantGroup !== null) {
    const { ok, shown } = matchAccount(
      wantGroup,
      info.gid,
      await accountTable(files, "/etc/group"),
    );
    actualParts.push(`group ${shown}`);
    if (!ok) problems.push(`group is ${shown}, not ${wantGroup}`);
  }
  return {
    passed: problems.length === 0,
    expected,
    actual: actualParts.join(", "),
    message: problems.length === 0 ? `${path} has ${expected}` : `${path}: ${problems.join("; ")}`,
  };
}

export async function checkFileSize(args: Args, files: FileAccess): Promise<Verdict> {
  const path = args.path("path");
  const min = args.number("min_bytes", null);
  const max = args.number("max_bytes", null);
  if (min === null && max === null) {
    throw new ArgumentError(`file_size needs "min_bytes", "max_bytes" or both`);
  }
  const expected = min !== null && max !== null
    ? `${min} to ${max} bytes`
    : min !== null
    ? `at least ${min} bytes`
    : `at most ${max} bytes`;
  const info = await files.stat(path);
  if (!info) return missing(path, expected);
  const size = info.size;
  const passed = (min === null || size >= min) && (max === null || size <= max);
  return {
    passed,
    expected,
    actual: `${size} bytes`,
    message: passed ? `${path} is ${size} bytes` : `${path} is ${size} bytes, expected ${expected}`,
  };
}

export async function checkFileContent(args: Args, files: FileAccess): Promise<Verdict> {
  const path = args.path("path");
  const hasPattern = args.has("pattern");
  const hasDigest = args.has("sha256");
  if (hasPattern === hasDigest) {
    throw new ArgumentError(`file_content needs exactly one of "pattern" and "sha256"`);
  }
  const pattern = hasPattern ? args.regex("pattern") : null;
  const wantDigest = hasDigest ? args.string("sha256").trim().toLowerCase() : null;
  const expected = pattern ? `matches /${pattern.source}/` : `sha256 ${wantDigest}`;
  const content = pattern ? await files.readText(path) : await files.sha256(path);
  if (content === null) return missing(path, expected);
  if (content === "directory") {
    return { passed: false, expected, actual: "a directory", message: `${path} is a directory` };
  }
  if (pattern) {
    const { text, bytes } = content as { text: string; bytes: number };
    const passed = pattern.test(text);
    return {
      passed,
      expected,
      actual: passed ? "matches" : `no match in ${bytes} bytes`,
      message: passed
        ? `${path} matches /${pattern.source}/`
        : `${path} does not match /${pattern.source}/`,
    };
  }
  const digest = content as string;
  const passed = digest === wantDigest;
  return {
    passed,
    expected,
    actual: `sha256 ${digest}`,
    message: passed ? `${path} has the expected sha256` : `${path} has sha256 ${digest}`,
  };
}
