/**
 * Checks the dependency directions of DESIGN.md: every .ts file under src/ and
 * plugins/ is scanned for import specifiers and for the capabilities that have a
 * single owner (processes, Workers, Deno.exit). Prints one line per violation and
 * exits 1 when there is any.
 *
 * Usage: deno run --allow-read scripts/check_layers.ts [repository root]
 */
import { join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Which stage folders each stage may import directly (DESIGN.md's table). */
const STAGES = [
  "hcl",
  "plugins/protocol",
  "config",
  "state",
  "plan",
  "forge",
  "assert",
  "exec",
  "plugins/host",
  "ai",
  "daemon",
  "cli",
] as const;

const ALLOWED: Record<string, readonly string[]> = {
  "hcl": [],
  "plugins/protocol": ["hcl"],
  "config": ["hcl"],
  "state": ["hcl", "plugins/protocol"],
  // hcl is the base library (diagnostics, ranges, values) every stage reports
  // errors with; DESIGN.md's table lists it for some stages only, and
  // re-exporting it through config would be the same dependency in disguise.
  "plan": ["config", "state", "hcl"],
  "forge": ["plan", "config", "hcl"],
  "assert": ["plan", "config", "hcl"],
  "exec": ["forge", "plugins/protocol", "hcl"],
  "plugins/host": ["plugins/protocol", "hcl"],
  "ai": ["config", "hcl", "plugins/protocol"],
  "daemon": STAGES.filter((stage) => stage !== "cli" && stage !== "daemon"),
  "cli": STAGES.filter((stage) => stage !== "cli"),
};

export interface Violation {
  file: string;
  line: number;
  message: string;
}

/** Where a repository file sits in the layering. */
type Unit =
  | { kind: "stage"; name: string } // src/<stage>/…
  | { kind: "src-root"; name: string } // a file directly in src/ (shared leaf, e.g. version.ts)
  | { kind: "plugin"; name: string } // plugins/<name>/…, a built-in plugin
  | { kind: "plugin-registry" } // plugins/<file>.ts: embeds the generated bundles
  | { kind: "outside" }; // main.ts, tests/, scripts/, …

function unitOf(path: string): Unit {
  const parts = path.split("/");
  if (parts[0] === "src") {
    if (parts.length === 2) return { kind: "src-root", name: path };
    if (parts[1] === "plugins" && parts.length > 3) {
      return { kind: "stage", name: `plugins/${parts[2]}` };
    }
    return { kind: "stage", name: parts[1]! };
  }
  if (parts[0] === "plugins" && parts.length === 2) return { kind: "plugin-registry" };
  if (parts[0] === "plugins" && parts.length > 2) return { kind: "plugin", name: parts[1]! };
  return { kind: "outside" };
}

const isTestFile = (path: string) => /_(test|bench)\.ts$/.test(path);

const KEYWORDS_BEFORE_EXPRESSION = new Set([
  "return",
  "typeof",
  "case",
  "in",
  "of",
  "void",
  "delete",
  "throw",
  "new",
  "yield",
  "await",
  "else",
  "do",
]);

/**
 * Blanks comments and the contents of string, template and regex literals (keeping
 * quotes and newlines, so offsets and line numbers survive), and collects every
 * plain string literal by the offset of its opening quote.
 */
export function blankNonCode(text: string): { code: string; strings: Map<number, string> } {
  const out = text.split("");
  const strings = new Map<number, string>();
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== "\n") out[k] = " ";
  };
  // Braces opened inside `${…}` of template literals, innermost last.
  const templateDepths: number[] = [];
  let depth = 0;
  let lastSignificant = "";
  let i = 0;
  const scanTemplate = (start: number) => {
    let k = start;
    while (k < text.length) {
      const c = text[k];
      if (c === "\\") k += 2;
      else if (c === "`") {
        blank(start, k);
        return k + 1;
      } else if (c === "$" && text[k + 1] === "{") {
        blank(start, k);
        templateDepths.push(depth);
        depth++;
        return k + 2;
      } else k++;
    }
    blank(start, k);
    return k;
  };
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === "/" && next === "/") {
      const end = text.indexOf("\n", i);
      const stop = end === -1 ? text.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === "/" && next === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end === -1 ? text.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      let k = i + 1;
      let value = "";
      while (k < text.length && text[k] !== c && text[k] !== "\n") {
        if (text[k] === "\\") {
          value += text[k + 1] ?? "";
          k += 2;
        } else value += text[k++];
      }
      strings.set(i, value);
      blank(i + 1, k);
      i = k + 1;
      lastSignificant = c;
    } else if (c === "`") {
      i = scanTemplate(i + 1);
      lastSignificant = "`";
    } else if (
      c === "/" && (lastSignificant === "" || /[(,=:[!&|?{};+\-*%<>~^]/.test(lastSignificant))
    ) {
      // A regex literal: skip to its closing slash (outside character classes).
      let k = i + 1;
      let inClass = false;
      while (k < text.length && text[k] !== "\n") {
        if (text[k] === "\\") k++;
        else if (text[k] === "[") inClass = true;
        else if (text[k] === "]") inClass = false;
        else if (text[k] === "/" && !inClass) break;
        k++;
      }
      blank(i + 1, k);
      i = k + 1;
      lastSignificant = "/";
    } else {
      if (c === "{") depth++;
      else if (c === "}") {
        depth--;
        if (templateDepths.length > 0 && templateDepths[templateDepths.length - 1] === depth) {
          templateDepths.pop();
          i = scanTemplate(i + 1);
          lastSignificant = "`";
          continue;
        }
      }
      if (/[\w$]/.test(c)) {
        // A whole word is one token: `return /x/` starts a regex, `a / b` divides.
        let k = i + 1;
        while (k < text.length && /[\w$]/.test(text[k]!)) k++;
        lastSignificant = KEYWORDS_BEFORE_EXPRESSION.has(text.slice(i, k)) ? "(" : "a";
        i = k;
        continue;
      }
      if (!/\s/.test(c)) lastSignificant = c;
      i++;
    }
  }
  return { code: out.join(""), strings };
}

export interface ImportRef {
  specifier: string;
  line: number;
}

const IMPORT_PATTERN =
  /\b(?:import|export)\b(?:\s+type\b)?(?:[^;'"`]*?\bfrom)?\s*(?:\(\s*)?(['"])|\bimport\s*\(\s*(['"])/g;

export function findImports(text: string): { imports: ImportRef[]; code: string } {
  const { code, strings } = blankNonCode(text);
  const lineStarts = [0];
  for (let k = 0; k < code.length; k++) if (code[k] === "\n") lineStarts.push(k + 1);
  const lineOf = (offset: number) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (lineStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
  const imports: ImportRef[] = [];
  for (const match of code.matchAll(IMPORT_PATTERN)) {
    const quoteOffset = match.index! + match[0].length - 1;
    const specifier = strings.get(quoteOffset);
    if (specifier !== undefined) imports.push({ specifier, line: lineOf(quoteOffset) });
  }
  return { imports, code };
}

const CAPABILITIES: { pattern: RegExp; what: string; allowed: (path: string) => boolean }[] = [
  {
    pattern: /\bDeno\s*\.\s*(?:Command|run)\b/g,
    what: "spawns a process (Deno.Command/Deno.run)",
    // A runner plugin's job is to run steps; its Worker holds only the `run`
    // grant its manifest lists, which the plugin host enforces.
    allowed: (path) =>
      path.startsWith("src/exec/") || /^plugins\/runner-[a-z0-9-]+\//.test(path) ||
      // The SQLite backend drives `sqlite3 -safe` (its only run grant): a bundle may not import node:sqlite.
      path.startsWith("plugins/state-sqlite/"),
  },
  {
    pattern: /\bnew\s+Worker\b/g,
    what: "creates a Worker",
    allowed: (path) => path.startsWith("src/plugins/host/"),
  },
  {
    pattern: /\bDeno\s*\.\s*exit\b/g,
    what: "calls Deno.exit",
    allowed: () => false,
  },
];

const CAPABILITY_OWNER: Record<string, string> = {
  "spawns a process (Deno.Command/Deno.run)": "only src/exec and runner plugins spawn processes",
  "creates a Worker": "only src/plugins/host creates Workers",
  "calls Deno.exit": "only main.ts calls Deno.exit",
};

/** Checks one file (path relative to the root, with forward slashes). */
export function checkFile(path: string, text: string): Violation[] {
  const violations: Violation[] = [];
  const { imports, code } = findImports(text);
  const from = unitOf(path);
  const testFile = isTestFile(path);
  const report = (line: number, message: string) => violations.push({ file: path, line, message });

  for (const { specifier, line } of imports) {
    if (specifier === "node:child_process" || specifier === "child_process") {
      if (!testFile && !path.startsWith("src/exec/")) {
        report(line, `imports "${specifier}": only src/exec spawns processes`);
      }
      continue;
    }
    let target: string;
    if (specifier.startsWith("./") || specifier.startsWith("../")) {
      target = join(path, "..", specifier).split(sep).join("/");
    } else if (specifier.startsWith("file:")) {
      // Absolute file URLs are resolved by the caller into relative form (see checkTree).
      target = specifier.slice("file:".length);
    } else continue; // npm:, node:, bare names from the import map
    if (target.startsWith("../")) {
      report(line, `imports "${specifier}": a path outside the repository`);
      continue;
    }
    const to = unitOf(target);
    const what = `imports "${specifier}" (${target})`;
    if (from.kind === "plugin-registry") {
      // The registry embeds each plugin's generated bundle (its code as a string).
      const isBundle = to.kind === "plugin" && target === `plugins/${to.name}/bundle.ts`;
      if (!isBundle && target !== "src/plugins/protocol/mod.ts") {
        report(
          line,
          `${what}: the built-in plugin registry may import only plugins/*/bundle.ts and src/plugins/protocol/mod.ts`,
        );
      }
      continue;
    }
    if (from.kind === "plugin") {
      if (to.kind === "plugin" && to.name === from.name) continue;
      // plugins/_shared/ is code bundled into several built-in plugins (never loaded on its own).
      if (to.kind === "plugin" && to.name === "_shared") continue;
      if (target !== "src/plugins/protocol/mod.ts") {
        report(
          line,
          `${what}: built-in plugins may import only src/plugins/protocol/mod.ts and plugins/_shared/`,
        );
      }
      continue;
    }
    if (to.kind === "outside") {
      if (target === "deno.json" || testFile) continue;
      report(line, `${what}: src/ may not import files outside src/ (except deno.json)`);
      continue;
    }
    if (to.kind === "plugin") {
      report(line, `${what}: built-in plugins are loaded through src/plugins/host, never imported`);
      continue;
    }
    if (to.kind === "plugin-registry") {
      const everything = from.kind === "stage" && (from.name === "cli" || from.name === "daemon");
      if (!everything && !testFile) {
        report(line, `${what}: only cli and daemon hand the built-in plugin registry to the host`);
      }
      continue;
    }
    const fromName = from.kind === "stage" || from.kind === "src-root" ? from.name : "";
    if (to.kind === "src-root") {
      if (from.kind === "stage" && from.name === "hcl") {
        report(line, `${what}: hcl imports nothing else in src/ (DESIGN.md)`);
      }
      continue;
    }
    // to is a stage folder.
    if (from.kind === "stage" && from.name === to.name) continue;
    if (target !== `src/${to.name}/mod.ts`) {
      report(line, `${what}: another stage is reachable only through src/${to.name}/mod.ts`);
    }
    if (from.kind === "src-root") {
      report(line, `${what}: files directly in src/ are shared leaves and import no stage`);
      continue;
    }
    const allowed = ALLOWED[fromName];
    if (allowed === undefined) {
      report(
        line,
        `${what}: "${fromName}" is not a stage of DESIGN.md's table, so it may import no stage`,
      );
    } else if (!allowed.includes(to.name)) {
      const list = allowed.length === 0 ? "nothing in src/" : allowed.join(", ");
      report(
        line,
        `${what}: ${fromName} may not import ${to.name} (DESIGN.md: ${fromName} may import ${list})`,
      );
    }
  }

  if (!testFile) {
    for (const capability of CAPABILITIES) {
      if (capability.allowed(path)) continue;
      for (const match of code.matchAll(capability.pattern)) {
        const line = code.slice(0, match.index).split("\n").length;
        report(line, `${capability.what}: ${CAPABILITY_OWNER[capability.what]}`);
      }
    }
  }
  return violations;
}

function* typescriptFiles(root: string, folder: string): Generator<string> {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(join(root, folder))];
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory) yield* typescriptFiles(root, path);
    else if (entry.isFile && /\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
      yield path;
    }
  }
}

/** Checks src/ and plugins/ under root; returns the violations and how many files were read. */
export function checkTree(root: string): { violations: Violation[]; files: number } {
  const violations: Violation[] = [];
  let files = 0;
  const rootUrl = `file://${resolve(root)}/`;
  for (const folder of ["src", "plugins"]) {
    for (const path of typescriptFiles(root, folder)) {
      files++;
      let text = Deno.readTextFileSync(join(root, path));
      // Turn absolute file URLs into root-relative ones so checkFile can classify them.
      text = text.replaceAll(rootUrl, "file:");
      violations.push(...checkFile(path, text));
    }
  }
  return { violations, files };
}

if (import.meta.main) {
  const root = Deno.args[0] ?? fileURLToPath(new URL("..", import.meta.url));
  const { violations, files } = checkTree(root);
  for (const v of violations) console.log(`${v.file}:${v.line}: ${v.message}`);
  if (violations.length > 0) {
    console.log(`layers: ${violations.length} violation(s) in ${files} files (see DESIGN.md)`);
    // A script, not src/: its exit code is what CI reads.
    Deno.exitCode = 1;
  } else {
    console.log(`layers: ${files} files follow DESIGN.md's dependency table`);
  }
}
