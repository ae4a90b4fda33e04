/**
 * Filesystem and path functions. Relative paths resolve against
 * CallInfo.baseDir (path.module). Paths are POSIX; node:path is avoided
 * because it pulls in Deno's Node layer at import time.
 */
import type { CallInfo, HclFunction } from "./eval.ts";
import { evaluate } from "./eval.ts";
import { parseExpression } from "./parser.ts";
import { isObject, Sensitive, type Value } from "./value.ts";
import { type Diagnostic } from "./diagnostics.ts";
import { SourceFile } from "./source.ts";
import { decodeUtf8, sha256Hex } from "./_fn_encoding.ts";
import { fail } from "./_fn_support.ts";
import { HAS_SENSITIVE, hasOwn, mark, scanMarks } from "./_eval_values.ts";

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
    if (err instanceof Deno.errors.NotFound) {
      fail(`no file exists at "${path}"`, argIndex, "no file exists at the given path");
    }
    if (err instanceof Deno.errors.IsADirectory) {
      fail(`"${path}" is a directory, not a file`, argIndex, "the given path is a directory");
    }
    return fail(
      `cannot read "${path}": ${(err as Error).message}`,
      argIndex,
      "cannot read the file at the given path",
    );
  }
}

export function fileBytes(path: string, call: CallInfo): Uint8Array {
  return readBytes(path, call, 0);
}

export function readText(path: string, call: CallInfo, argIndex: number): string {
  const text = decodeUtf8(readBytes(path, call, argIndex));
  if (text === undefined) {
    fail(
      `contents of "${path}" are not valid UTF-8; use filebase64 for binary files`,
      argIndex,
      "the file's contents are not valid UTF-8; use filebase64 for binary files",
    );
  }
  return text;
}

export function fileSha256(path: string, call: CallInfo): string {
  return sha256Hex(readBytes(path, call, 0));
}

export function fileExists(path: string, call: CallInfo): boolean {
  try {
    const info = Deno.statSync(resolvePath(call.baseDir, path));
    if (!info.isFile) {
      fail(`"${path}" is a directory, not a file`, 0, "the given path is a directory");
    }
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/**
 * Where a diagnostic of the wrapped template points, as the template's own
 * `path:line:column` (the wrapper adds one line above the text).
 */
function templatePosition(path: string, wrapped: SourceFile, diag: Diagnostic): string {
  if (!diag.subject) return path;
  const at = wrapped.position(diag.subject.start);
  return `${path}:${at.line - 1}:${at.column}`;
}

/** A template's diagnostic as one line of a failed call's message. */
function templateProblem(where: string, diag: Diagnostic): string {
  return `${where}: ${diag.summary}${diag.detail ? `; ${diag.detail}` : ""}`;
}

/**
 * Parses a template file by wrapping it in a heredoc whose marker does not
 * occur in the text, then evaluates it with only `vars` in scope. Variables
 * keep their sensitive marks (`markedVars`), so what the template reports
 * about them is redacted like any other diagnostic.
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
      fail(
        `invalid template variable name "${name}": must start with a letter`,
        1,
        "invalid template variable name: must start with a letter",
      );
    }
  }
  let marker = "CW_TEMPLATE";
  for (let n = 0; text.includes(marker); n++) marker = `CW_TEMPLATE_${n}`;
  const endsWithNewline = text.endsWith("\n");
  const source = `<<${marker}\n${text}${endsWithNewline ? "" : "\n"}${marker}\n`;
  const filename = resolvePath(call.baseDir, path);
  const wrapped = new SourceFile(filename, source);
  // The path is shown unless it is itself sensitive; the template's text never is a value.
  const pathIsSensitive = call.markedArgs !== undefined &&
    (scanMarks(call.markedArgs[0]) & HAS_SENSITIVE) !== 0;
  const failWith = (diag: Diagnostic): never => {
    const message = templateProblem(templatePosition(path, wrapped, diag), diag);
    return fail(message, undefined, pathIsSensitive ? undefined : message);
  };
  const parsed = parseExpression(source, filename);
  const firstError = parsed.diagnostics.find((d) => d.severity === "error");
  if (firstError) failWith(firstError);
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
  const variables = markedVars(vars, call.markedArgs?.[1]);
  const result = evaluate(expr, { variables, functions: fns, baseDir: call.baseDir });
  const err = result.diagnostics.find((d) => d.severity === "error");
  if (err) failWith(err);
  return result.value;
}

/**
 * The template's variables with the marks they had in the call: a sensitive
 * map marks every variable, a sensitive attribute marks its own.
 */
function markedVars(vars: Record<string, Value>, marked: Value | undefined): Record<string, Value> {
  if (marked === undefined) return vars;
  const wholeIsSensitive = marked instanceof Sensitive;
  const inner = wholeIsSensitive ? (marked as Sensitive).value : marked;
  if (!isObject(inner)) return vars;
  const out: Record<string, Value> = Object.create(null);
  for (const name of Object.keys(vars)) {
    const value = hasOwn(inner, name) ? inner[name] : vars[name];
    out[name] = wholeIsSensitive ? mark(value, true) : value;
  }
  return out;
}
