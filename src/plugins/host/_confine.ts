/**
 * Deno's worker permissions cover the Deno APIs but not the module loader:
 * inside a Worker, `import()` of file:, data: and (under --allow-all) remote
 * URLs ignores the worker's grant. So a plugin bundle must be self-contained
 * (no import syntax at all, checked here on the bytes), and a prologue that
 * runs before the plugin removes every way to turn a string into code (eval,
 * the Function constructors, nested Workers, Deno internals, node builtins)
 * so an import cannot be assembled at run time, plus the channels a plugin
 * could use to reach another plugin (BroadcastChannel, caches).
 */

const GAP = String.raw`(?:\s|/\*[\s\S]*?\*/|//[^\n]*\n)*`;
const IMPORT_WORD = /\bimport\b/g;
const IMPORT_META = new RegExp(`^${GAP}\\.${GAP}meta\\b`);
const REEXPORT = new RegExp(
  String.raw`\bexport\b${GAP}(?:\*|\{[^}]*\})${GAP}(?:as${GAP}[\w$]+${GAP})?from\b`,
);

/**
 * Returns why the code is refused, or undefined when it is acceptable. It is
 * deliberately conservative: the word `import` is refused anywhere (even in a
 * string) unless it is a property name (`x.import`) or `import.meta`.
 */
export function screenBundle(code: string): string | undefined {
  for (const match of code.matchAll(IMPORT_WORD)) {
    const at = match.index!;
    // `x.import` is a property name; `...import(` is a spread of a real import.
    if (code[at - 1] === "." && code[at - 2] !== ".") continue;
    if (IMPORT_META.test(code.slice(at + 6, at + 200))) continue;
    const line = code.slice(0, at).split("\n").length;
    return `the bundle uses "import" (line ${line}); a plugin must be a single self-contained ` +
      `module without static or dynamic imports`;
  }
  if (REEXPORT.test(code)) return "the bundle re-exports from another module";
  return undefined;
}

/** Runs first in every plugin Worker, before any plugin code. */
export const PROLOGUE = `(() => {
  "use strict";
  const g = globalThis;
  const refuse = (what) => function () {
    throw new EvalError(what + " is not available to Clockwork plugins");
  };
  try { delete Deno[Deno.internal]; } catch { /* already gone */ }
  const protos = [function () {}, async function () {}, function* () {}, async function* () {}]
    .map(Object.getPrototypeOf);
  for (const proto of protos) {
    const blocked = refuse("The Function constructor");
    blocked.prototype = proto;
    Object.defineProperty(proto, "constructor", { value: blocked, writable: false, configurable: false });
  }
  const lock = (name, value) =>
    Object.defineProperty(g, name, { value, writable: false, configurable: false, enumerable: false });
  lock("Function", protos[0].constructor);
  lock("eval", refuse("eval"));
  for (const name of ["Worker", "SharedWorker", "BroadcastChannel", "caches", "process", "require"]) {
    try { delete g[name]; } catch { /* not configurable */ }
    if (name in g) lock(name, undefined);
  }
  // Report uncaught errors to the host as a message, so Deno does not print
  // them as its own; the host then stops the Worker.
  const crash = (event, what) => {
    event.preventDefault();
    const text = String(what?.message ?? what).split("\\n")[0].slice(0, 500);
    postMessage({ $crash: text });
    self.close();
  };
  self.addEventListener("error", (e) => crash(e, e.error ?? e.message));
  self.addEventListener("unhandledrejection", (e) => crash(e, e.reason));
  try {
    const denied = async () => ({ state: "denied", onchange: null });
    Object.defineProperty(Deno.permissions, "request", { value: denied, writable: false, configurable: false });
    Object.defineProperty(Deno.permissions, "requestSync", { value: () => ({ state: "denied" }), writable: false, configurable: false });
  } catch { /* best effort */ }
})();
`;
