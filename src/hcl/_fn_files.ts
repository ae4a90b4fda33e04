/**
 * Filesystem and path functions. Relative paths resolve against
 * CallInfo.baseDir (path.module). Paths are POSIX; node:path is avoided
 * because it pulls in Deno's Node layer at import time.
 */
import type { CallInfo, HclFunction } from "./eval.ts";
import { evaluate } from "./eval.ts";
import { parseExpression } from "./parser.ts";
import type { Value } from "./value.ts";
import { decodeUtf8, sha256Hex } from "./_fn_encoding.ts";
import { fail } from "./_fn_support.ts";
import { hasOwn } from "./_eval_values.ts";

/** Go's path.Clean. */
export function cleanPath(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
    } else out.push(part);
  }
  const joined = out.join("/");
  return rooted ? "/" + joined : joined || ".";
}

export function resolvePath(baseDir: string, p: string): string {
  return cleanPath(p.startsWith("/") ? p : `${baseDir}/${p}`);
}

/** Go's filepath.Base. */
export function baseName(p: string): string {
  if (p === "") return ".";
  const trimmed = p.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** Go's filepath.Dir. */
export function dirName(p: string): string {
  const slash = p.lastIndexOf("/");
  return cleanPath(p.slice(0, slash + 1));
}

function readBytes(path: string, call: CallInfo, argIndex: number): Uint8Array {
  const full = resolvePath(call.baseDir, path);
  try {
    return Deno.readFileSync(full);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) fail(`no file exists at "${path}"`, argIndex);
    if (err instanceof Deno.errors.IsADirectory) {
      fail(`"${path}" is a directory, not a file`, argIndex);
    }
    return fail(`cannot read "${path}": ${(err as Error).message}`, argIndex);
  }
}

export function fileBytes(path: string, call: CallInfo): Uint8Array {
  return readBytes(path, call, 0);
}

export function readText(path: string, call: CallInfo, argIndex: number): string {
  const text = decodeUtf8(readBytes(path, call, argIndex));
  if (text === undefined) {
    fail(`contents of "${path}" are not valid UTF-8; use filebase64 for binary files`, argIndex);
  }
  return text;
}

export function fileSha256(path: string, call: CallInfo): string {
  return sha256Hex(readBytes(path, call, 0));
}

export function fileExists(path: string, call: CallInfo): boolean {
  try {
    const info = Deno.statSync(resolvePath(call.baseDir, path));
    if (!info.isFile) fail(`"${path}" is a directory, not a file`, 0);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/**
 * Parses a template file by wrapping it in a heredoc whose marker does not
 * occur in the text, then evaluates it with only `vars` in scope.
 */
export function templateFile(
  path: string,
  vars: Record<string, Value>,
  call: CallInfo,
  functions: Readonly<Record<string, HclFunction>>,
): Value {
  const text = readText(path, call, 0);
  for (const name of Object.keys(vars)) {
    if (!/^[\p{L}_][\p{L}\p{N}_-]*$/u.test(name)) {
      fail(`invalid template variable name "${name}": must start with a letter`, 1);
    }
  }
  let marker = "CW_TEMPLATE";
  for (let n = 0; text.includes(marker); n++) marker = `CW_TEMPLATE_${n}`;
  const endsWithNewline = text.endsWith("\n");
  const header = `<<${marker}\n`;
  const source = `${header}${text}${endsWithNewline ? "" : "\n"}${marker}\n`;
  const parsed = parseExpression(source, resolvePath(call.baseDir, path));
  const firstError = parsed.diagnostics.find((d) => d.severity === "error");
  if (firstError) {
    const line = firstError.subject
      ? source.slice(header.length, firstError.subject.start).split("\n").length
      : undefined;
    fail(`${path}${line ? `:${line}` : ""}: ${firstError.summary}`, 0);
  }
  let expr = parsed.expr;
  if (!endsWithNewline && expr.kind === "Template") {
    const parts = expr.parts;
    const last = parts[parts.length - 1];
    if (last?.kind === "TemplateLiteral" && last.value.endsWith("\n")) {
      const trimmed = last.value.slice(0, -1);
      expr = {
        ...expr,
        parts: trimmed === ""
          ? parts.slice(0, -1)
          : [...parts.slice(0, -1), { ...last, value: trimmed }],
      };
    }
  }
  const fns: Record<string, HclFunction> = Object.create(null);
  for (const name of Object.keys(functions)) {
    if (name !== "templatefile" && hasOwn(functions, name)) fns[name] = functions[name];
  }
  const result = evaluate(expr, { variables: vars, functions: fns, baseDir: call.baseDir });
  const err = result.diagnostics.find((d) => d.severity === "error");
  if (err) {
    const line = err.subject
      ? source.slice(header.length, err.subject.start).split("\n").length
      : undefined;
    fail(`${path}${line ? `:${line}` : ""}: ${err.summary}`, 0);
  }
  return result.value;
}
