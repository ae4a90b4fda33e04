/**
 * Root variable values from every source, lowest precedence first: `default`,
 * `*.cwvars` (sorted), `CW_VAR_name`, `--var-file FILE` (in order), `--var
 * name=value` (in order). The last source that sets a name wins.
 */
import { isAbsolute, resolve } from "node:path";
import {
  decodeSource,
  type Diagnostic,
  error,
  evaluate,
  isObject,
  parse,
  parseExpression,
  SourceFile,
  UNKNOWN,
  type Value,
  type ValueObject,
  warning,
} from "../hcl/mod.ts";
import type { Range } from "../hcl/mod.ts";
import { didYouMean } from "./_names.ts";

export interface RawVariableValue {
  readonly value: Value;
  /** Where it came from, for messages: `--var`, `CW_VAR_port`, `prod.cwvars`. */
  readonly source: string;
  readonly range?: Range;
}

export interface VariableInputs {
  /** `--var NAME=VALUE` in command-line order. */
  readonly vars?: readonly string[];
  /** `--var-file FILE` in command-line order; relative paths resolve against `cwd`. */
  readonly varFiles?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /**
   * The values a saved plan was made with (`apply PLANFILE`): they replace
   * every other source, so the plan applies as it was reviewed.
   */
  readonly planned?: Readonly<Record<string, unknown>>;
}

export interface DeclaredVariable {
  /** The declared type is string or any: text from the environment and --var is taken as is. */
  readonly rawText: boolean;
}

function evalConstant(
  expr: Parameters<typeof evaluate>[0],
  baseDir: string,
  diags: Diagnostic[],
): Value {
  const result = evaluate(expr, { variables: Object.create(null), baseDir });
  diags.push(...result.diagnostics);
  return result.value;
}

/** Attributes of a `.cwvars` file as values, in source order. */
function readVarsFile(
  file: SourceFile,
  baseDir: string,
  diags: Diagnostic[],
): [string, RawVariableValue][] {
  const parsed = parse(file.text, file.filename);
  diags.push(...parsed.diagnostics);
  const out: [string, RawVariableValue][] = [];
  for (const item of parsed.body.items) {
    if (item.kind === "Block") {
      diags.push(error("CW2030", "Unexpected block in a variables file", item.typeRange, {
        detail: "variables files hold only `name = value` attributes",
      }));
      continue;
    }
    out.push([item.name, {
      value: evalConstant(item.expr, baseDir, diags),
      source: file.filename,
      range: item.nameRange,
    }]);
  }
  return out;
}

function fromJson(v: unknown): Value {
  if (Array.isArray(v)) return v.map(fromJson);
  if (v !== null && typeof v === "object") {
    const out: ValueObject = Object.create(null);
    for (const [k, x] of Object.entries(v)) out[k] = fromJson(x);
    return out;
  }
  return v as Value;
}

function readJsonVarsFile(file: SourceFile, diags: Diagnostic[]): [string, RawVariableValue][] {
  const path = file.filename;
  let doc: unknown;
  try {
    doc = JSON.parse(file.text.replace(/^\uFEFF/, ""));
  } catch (e) {
    diags.push(error("CW2030", `Invalid JSON variables file ${path}`, undefined, {
      detail: e instanceof Error ? e.message : String(e),
    }));
    return [];
  }
  const value = fromJson(doc);
  if (!isObject(value)) {
    diags.push(error("CW2030", `Invalid JSON variables file ${path}`, undefined, {
      detail: "the file must hold one JSON object of variable values",
    }));
    return [];
  }
  return Object.keys(value).map((k) => [k, { value: value[k], source: path }]);
}

/** Text from the environment or --var: as is for string variables, else an HCL expression. */
function textValue(
  text: string,
  label: string,
  raw: boolean,
  baseDir: string,
  diags: Diagnostic[],
  sources: SourceFile[],
): Value {
  if (raw) return text;
  const file = new SourceFile(label, text);
  sources.push(file);
  const parsed = parseExpression(text, label);
  if (parsed.diagnostics.length > 0) {
    diags.push(...parsed.diagnostics);
    // Unknown, not null: the error is reported once, not again where the value is used.
    return UNKNOWN;
  }
  return evalConstant(parsed.expr, baseDir, diags);
}

export function collectVariableValues(
  rootDir: string,
  cwvarsFiles: readonly SourceFile[],
  declared: ReadonlyMap<string, DeclaredVariable>,
  inputs: VariableInputs,
  diags: Diagnostic[],
  sources: SourceFile[],
): Map<string, RawVariableValue> {
  const values = new Map<string, RawVariableValue>();
  if (inputs.planned) {
    for (const [name, value] of Object.entries(inputs.planned)) {
      if (declared.has(name)) values.set(name, { value: fromJson(value), source: "the plan file" });
    }
    return values;
  }
  const names = [...declared.keys()];
  const set = (
    name: string,
    value: RawVariableValue,
    severityIfUndeclared: "error" | "warning" | null,
  ) => {
    if (!declared.has(name)) {
      if (severityIfUndeclared) {
        const make = severityIfUndeclared === "error" ? error : warning;
        diags.push(make("CW2021", `Value for undeclared variable "${name}"`, value.range, {
          detail: `${value.source} sets "${name}", but no variable "${name}" is declared.${
            didYouMean(name, names)
          }`,
        }));
      }
      return;
    }
    values.set(name, value);
  };

  for (const file of cwvarsFiles) {
    for (const [name, value] of readVarsFile(file, rootDir, diags)) set(name, value, "warning");
  }

  const env = inputs.env ?? {};
  for (const key of Object.keys(env).sort()) {
    if (!key.startsWith("CW_VAR_")) continue;
    const name = key.slice("CW_VAR_".length);
    const decl = declared.get(name);
    if (!decl) continue;
    set(name, {
      value: textValue(env[key], key, decl.rawText, rootDir, diags, sources),
      source: key,
    }, null);
  }

  const cwd = inputs.cwd ?? rootDir;
  for (const given of inputs.varFiles ?? []) {
    const path = isAbsolute(given) ? given : resolve(cwd, given);
    let bytes: Uint8Array;
    try {
      bytes = Deno.readFileSync(path);
    } catch {
      diags.push(error("CW2030", `Cannot read variables file "${given}"`, undefined, {
        detail: `no readable file at ${path}`,
      }));
      continue;
    }
    const { file, diagnostics } = decodeSource(bytes, path);
    if (diagnostics.length > 0) {
      sources.push(file);
      diags.push(...diagnostics);
      continue;
    }
    if (path.endsWith(".json")) {
      for (const [name, value] of readJsonVarsFile(file, diags)) set(name, value, "warning");
      continue;
    }
    sources.push(file);
    for (const [name, value] of readVarsFile(file, rootDir, diags)) set(name, value, "warning");
  }

  for (const assignment of inputs.vars ?? []) {
    const eq = assignment.indexOf("=");
    if (eq <= 0) {
      diags.push(error("CW2028", `Invalid --var "${assignment}"`, undefined, {
        detail: "expected --var NAME=VALUE",
      }));
      continue;
    }
    const name = assignment.slice(0, eq).trim();
    const text = assignment.slice(eq + 1);
    const decl = declared.get(name);
    const value = decl
      ? textValue(text, `--var ${name}`, decl.rawText, rootDir, diags, sources)
      : text;
    set(name, { value, source: "--var" }, "error");
  }
  return values;
}
