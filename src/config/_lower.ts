/**
 * Lowers the AST of a configuration directory (and the local modules it
 * calls) into the IR. Every declaration becomes a node of one graph;
 * references and `depends_on` are its edges. Nodes are evaluated in
 * topological order, so each expression sees the values it refers to.
 */
import { createHash } from "node:crypto";
import { isAbsolute, join, relative, resolve } from "node:path";
import { parseDurationText } from "./_duration.ts";
import {
  type Attribute,
  type Block,
  type BlockLabel,
  type Body,
  decodeSource,
  type Diagnostic,
  error,
  evaluate,
  evaluateInto,
  type Expression,
  isIndexStep,
  isObject,
  isSensitive,
  isUnknown,
  parse,
  plainStringOf,
  type Range,
  referencesInto,
  referencesOf,
  Sensitive,
  SourceFile,
  type Traversal,
  UNKNOWN,
  unmark,
  utf8Text,
  type Value,
  type ValueObject,
  warning,
} from "../hcl/mod.ts";
import {
  ASSERT_KINDS,
  type Assertion,
  type AssertKind,
  type Check,
  type ClockworkSettings,
  type Config,
  type Host,
  type Output,
  type ResourceInstance,
} from "./types.ts";
import {
  type ArgSpec,
  ASSERT_SPECS,
  checkArgument,
  META_ARGUMENTS,
  RESOURCE_TYPE_NAMES,
  RESOURCE_TYPES,
  type ResourceTypeSpec,
} from "./_schemas.ts";
import { ANY, convertValue, type HclType, parseTypeExpr, typeToString } from "./_typesys.ts";
import { compareAddresses, didYouMean, instanceAddress, sortAddresses } from "./_names.ts";
import { satisfiesVersion } from "./_version.ts";
import { VERSION } from "../version.ts";
import { collectVariableValues, type RawVariableValue, type VariableInputs } from "./_vars.ts";

export const DEFAULT_TIMEOUT_MS = 5 * 60 * 1000;

export interface LoadOptions extends VariableInputs {
  /** Directory holding the root module's `*.cw` files. */
  readonly dir: string;
  /**
   * Values the AI filled in (pinned answers), by resource address and
   * argument: what references to those arguments see. Without one such a
   * reference is unknown. The resources themselves still list the argument in
   * `aiFields`, so completion fills and marks it as before.
   */
  readonly aiValues?: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

export interface LoadResult {
  /** Present whenever the directory could be read; complete only without errors. */
  readonly config: Config | undefined;
  readonly diagnostics: Diagnostic[];
  /** Every file read, for diagnostic snippets. */
  readonly sources: SourceFile[];
}

type NodeKind = "variable" | "local" | "resource" | "output" | "host" | "check" | "module";

interface Node {
  readonly kind: NodeKind;
  /** Shown in cycle messages: `file.a`, `local.x`, `module.m.var.y`. */
  readonly id: string;
  readonly site: Site;
  /** What this node refers to, without repeats. */
  deps: Node[];
  /** Index over `deps` once it grows, so adding an edge stays O(1). */
  depSet?: Set<Node>;
  /** Dependencies not evaluated yet, while evaluating. */
  waiting: number;
  dependents: Node[];
  /** Resources reached through this node (directly or through locals, variables, outputs). */
  resourceDeps?: readonly Node[];
  /**
   * Only when some module is repeated: each resource reached, with the
   * shallowest module the way to it passes through. An instance of this node
   * depends on the resource's instances inside its own instance of that
   * module: `module.a["x"]` on its own resources, but on every instance
   * when the way leaves the module (out through an output, back in through
   * an input).
   */
  scopedDeps?: ReadonlyMap<Node, ModuleScope>;
  /** Resource instance addresses, known once a resource node is evaluated. */
  instances?: string[];
  /** The same by module instance, when some module is repeated. */
  instancesIn?: Map<ModuleInstance, string[]>;
  /** instancesIn gathered by the enclosing instance of a module above (built on demand). */
  instancesUnder?: Map<ModuleScope, Map<ModuleInstance, string[]>>;
  readonly scope: ModuleScope;
  /** How a resource is repeated, which decides where its attribute names sit in a reference. */
  repeat?: "count" | "for_each" | null;
  /** Evaluates a node that is not a resource. */
  readonly evaluate: (() => void) | null;
  /** What evaluating a resource node needs, in one object instead of a closure per resource. */
  resource: ResourceDecl | null;
  /**
   * Evaluating this node, or something it depends on, reported an error. Its
   * unknown values then come from that error, not from apply, and a count or
   * for_each that is unknown for that reason is not reported again.
   */
  failed?: boolean;
}

/** Which label of a block is a name that becomes part of addresses. */
const NAME_LABEL: Record<string, number> = {
  variable: 0,
  host: 0,
  resource: 1,
  output: 0,
  module: 0,
  check: 0,
};

/** HCL's identifier, as Terraform requires of names. */
const VALID_NAME = /^[\p{ID_Start}_][\p{ID_Continue}-]*$/u;

/** Meta-arguments of module blocks, which a module call could not pass as inputs. */
const RESERVED_VARIABLE_NAMES = new Set([
  "count",
  "depends_on",
  "for_each",
  "lifecycle",
  "locals",
  "providers",
  "source",
  "version",
]);

/** A `source` file's content: text when it is UTF-8, else its bytes as base64. */
type SourceContent = { text: string; base64?: undefined } | { text?: undefined; base64: string };

interface ResourceDecl {
  readonly node: Node;
  readonly scope: ModuleScope;
  readonly block: Block;
  readonly type: string;
  readonly name: string;
  readonly spec: ResourceTypeSpec;
  readonly attrs: AttributeTable;
  readonly countAttr: Attribute | undefined;
  readonly forEachAttr: Attribute | undefined;
  readonly assertBlocks: readonly Block[];
  readonly lifecycle: ResourceInstance["lifecycle"];
  /** The block writes two arguments of an exclusive group: their values decide (checkSetArguments). */
  readonly mayConflict: boolean;
}

/**
 * A module as declared: one per module block, however many instances its
 * count or for_each makes. Nodes belong to scopes; each node is evaluated
 * once per instance of its scope.
 */
interface ModuleScope {
  /** Module names from the root, without instance keys. */
  readonly path: string[];
  /** `""` or `module.a.`: how node ids (cycle messages) name what is declared here. */
  readonly prefix: string;
  readonly dir: string;
  readonly parent?: ModuleScope;
  /** The module block that calls this module; undefined for the root. */
  readonly call: ModuleCall | undefined;
  /**
   * The expansion node of the closest repeated module call at or above this
   * scope: every node declared here waits for it, since this scope's
   * instances exist only once it has run. Undefined when nothing above repeats.
   */
  readonly gate: Node | undefined;
  /** Known once the calls above are expanded; the root has exactly one. */
  readonly instances: ModuleInstance[];
  /** `path.module`, `path.root` and `path.cwd`, the same in every instance. */
  readonly pathValues: ValueObject;
  readonly variables: Map<string, Node & { decl: VariableDecl }>;
  readonly locals: Map<string, Node>;
  /** In declaration order. */
  readonly resourceNodes: Node[];
  /** The same nodes by type, then name, for resolving references without building keys. */
  readonly resourcesByType: Map<string, Map<string, Node>>;
  readonly outputs: Map<string, Node>;
  readonly modules: Map<string, { scope: ModuleScope; block: Block }>;
  readonly checks: Map<string, Node>;
}

/** A module block as a call: how it is repeated. */
interface ModuleCall {
  readonly name: string;
  readonly block: Block;
  readonly countAttr: Attribute | undefined;
  readonly forEachAttr: Attribute | undefined;
  /** Evaluates count/for_each and creates the instances; only on a repeated call. */
  readonly expansion: Node | undefined;
}

/** One instance of a module: its own variable values, locals, resources and outputs. */
interface ModuleInstance {
  readonly scope: ModuleScope;
  readonly parent: ModuleInstance | undefined;
  /** `""`, `module.a.` or `module.a["x"].`: the start of the addresses inside. */
  readonly prefix: string;
  /** The IR's module path: `[]`, `["a"]`, `['a["x"]']`. */
  readonly path: string[];
  /** Root names visible to expressions in this instance. */
  readonly ctx: ValueObject;
  /** What the call's arguments see: the caller's names, plus each or count when repeated. */
  readonly callCtx: ValueObject | undefined;
  /** The instance's outputs, which the caller sees as module.NAME (or one element of it). */
  readonly outputs: ValueObject;
}

interface VariableDecl {
  readonly name: string;
  readonly block: Block;
  readonly type: HclType;
  readonly default: Value | undefined;
  readonly sensitive: boolean;
  readonly nullable: boolean;
  readonly validations: { condition: Attribute; message: Attribute | undefined }[];
}

interface Allow {
  readonly each?: boolean;
  readonly count?: boolean;
  readonly selfVariable?: string;
}

const NO_ALLOW: Allow = {};
const NO_BLOCKS: readonly Block[] = Object.freeze([]);
/** splitBody's working list; splitBody never re-enters. */
const scratchAttributes: Attribute[] = [];
const ALLOW_EACH: Allow = { each: true, count: false };
const ALLOW_COUNT: Allow = { each: false, count: true };
const ALLOW_BOTH: Allow = { each: true, count: true };

/**
 * What a declaration's range is read from, built only when a message needs
 * it: a block's labels, an attribute's name, or one label.
 */
type Site = Block | Attribute | BlockLabel;

function siteRange(site: Site): Range {
  if (!("kind" in site)) return site.range;
  return site.kind === "Block" ? labelsRange(site) : site.nameRange;
}

const ROOT_NAMES = [
  "var",
  "local",
  "module",
  "host",
  "path",
  "each",
  "count",
  ...RESOURCE_TYPE_NAMES,
];

function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

/** "a" or "an" before a word, for messages built from names (`an output`, `an assert block`). */
function article(word: string): string {
  return /^[aeiou]/i.test(word) ? "an" : "a";
}

function labelsRange(block: Block): Range {
  // Parsed nodes build a range object on every read: read each one once.
  const type = block.typeRange;
  const labels = block.labels;
  const end = labels.length ? labels[labels.length - 1].range.end : type.end;
  return { filename: type.filename, start: type.start, end };
}

function literalString(expr: Expression): string | undefined {
  if (expr.kind === "Template" && expr.parts.every((p) => p.kind === "TemplateLiteral")) {
    return expr.parts.map((p) => (p as { value: string }).value).join("");
  }
  return undefined;
}

/** JSON with sorted object keys, for digests. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (isSensitive(value)) return canonicalJson(value.value);
  if (isUnknown(value)) return '"(unknown)"';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}

function parseDuration(value: Value): number | string {
  if (typeof value === "number") {
    return value >= 0 ? Math.round(value * 1000) : "must not be negative";
  }
  if (typeof value !== "string") {
    return `expected a duration string such as "30s", got ${typeof value}`;
  }
  const ms = parseDurationText(value);
  if (ms === null) {
    return 'not a duration: use numbers with ms, s, m or h, such as "30s", "5m" or "1h30m"';
  }
  return ms;
}

export function loadConfig(options: LoadOptions): LoadResult {
  return new Lowering(options).run();
}

/** Settings each built-in state backend reads besides `backend` and `path` (docs/BACKENDS.md). */
const STATE_BACKEND_ARGUMENTS: Readonly<Record<string, readonly string[]>> = {
  file: ["lock_path"],
  sqlite: ["workspace"],
  postgres: ["url", "schema", "table", "workspace"],
};

class Lowering {
  readonly diags: Diagnostic[] = [];
  readonly sources: SourceFile[] = [];
  readonly sourceByName = new Map<string, SourceFile>();
  readonly nodes: Node[] = [];
  /** Expressions with a reference that could not be resolved; evaluating them would only repeat the error. */
  readonly badExprs = new WeakSet<Expression>();
  /** A .cwvars file, --var-file or --var was refused: missing root values may be in it. */
  variableSourcesFailed = false;
  /** Resource blocks whose set arguments were already reported (checkSetArguments). */
  readonly argumentsChecked = new WeakSet<ResourceDecl>();
  /** Whether badExprs holds anything: usually not, and then evaluating need not look. */
  anyBadExprs = false;
  /** Whether some module block has count or for_each: only then are dependencies split by module instance. */
  anyRepeatedModule = false;
  /** Where each file's syntax errors start: a block around one gets no follow-on "missing argument". */
  readonly syntaxErrorStarts = new Map<string, number[]>();
  readonly rootDir: string;
  readonly files: string[] = [];
  readonly fileDigestParts: string[] = [];
  readonly resources: ResourceInstance[] = [];
  readonly hosts = new Map<string, { node: Node; block: Block; host?: Host }>();
  readonly outputs: Output[] = [];
  readonly checks: Check[] = [];
  settings: ClockworkSettings = { requiredVersion: null, ai: null, state: null };
  settingsBlock: Block | undefined;
  /** File resources' `source` files by path, read once; null when unreadable. */
  readonly readSources = new Map<string, SourceContent | null>();
  root!: ModuleScope;
  rawVariables = new Map<string, RawVariableValue>();
  readonly hostValues: ValueObject = Object.create(null);

  constructor(readonly options: LoadOptions) {
    this.rootDir = resolve(options.dir);
  }

  run(): LoadResult {
    const root = this.loadModule(this.rootDir, [], undefined, undefined);
    if (!root) return { config: undefined, diagnostics: this.diags, sources: this.sources };
    this.root = root;
    this.instantiate(root, undefined, null, undefined);
    this.resolveRootVariables();
    for (const link of this.pending) {
      if (typeof link === "function") link();
      else this.linkResource(link);
    }
    this.evaluateAll();
    const result = this.finish();
    // The module-level scratch lists must not keep this load's graph alive
    // into the next one (the daemon reloads in the same process).
    scratchNodes.length = 0;
    scratchAttributes.length = 0;
    return result;
  }

  // ---------------------------------------------------------------- reading

  listDir(dir: string, ext: string): string[] | undefined {
    try {
      const names: string[] = [];
      for (const entry of Deno.readDirSync(dir)) {
        if ((entry.isFile || entry.isSymlink) && entry.name.endsWith(ext)) names.push(entry.name);
      }
      return names.sort();
    } catch {
      return undefined;
    }
  }

  readSource(path: string): SourceFile | undefined {
    let bytes: Uint8Array;
    try {
      bytes = Deno.readFileSync(path);
    } catch (e) {
      this.diags.push(error("CW2030", `Cannot read ${path}`, undefined, {
        detail: e instanceof Error ? e.message : String(e),
      }));
      return undefined;
    }
    const { file, diagnostics } = decodeSource(bytes, path);
    this.sources.push(file);
    if (diagnostics.length > 0) {
      // Refused, not parsed: the file is kept only so the diagnostic can show its line.
      this.diags.push(...diagnostics);
      return undefined;
    }
    this.sourceByName.set(path, file);
    const rel = relative(this.rootDir, path);
    this.files.push(rel);
    this.fileDigestParts.push(`${rel}\0${file.text}\0`);
    return file;
  }

  loadModule(
    dir: string,
    path: string[],
    parent: ModuleScope | undefined,
    call: ModuleCall | undefined,
  ): ModuleScope | undefined {
    const names = this.listDir(dir, ".cw");
    if (names === undefined || names.length === 0) {
      const summary = names === undefined
        ? `Configuration directory ${dir} does not exist`
        : `No configuration files in ${dir}`;
      this.diags.push(error(call ? "CW2013" : "CW2024", summary, call?.block.labels[0]?.range, {
        detail: names === undefined
          ? "the directory could not be read"
          : "a configuration is every *.cw file in a directory; this one has none",
      }));
      return undefined;
    }
    const prefix = path.map((m) => `module.${m}.`).join("");
    const pathValues: ValueObject = Object.create(null);
    pathValues.module = dir;
    pathValues.root = this.rootDir;
    pathValues.cwd = this.options.cwd ?? this.rootDir;
    const scope: ModuleScope = {
      path,
      prefix,
      dir,
      parent,
      call,
      gate: call?.expansion ?? parent?.gate,
      instances: [],
      pathValues,
      variables: new Map(),
      locals: new Map(),
      resourceNodes: [],
      resourcesByType: new Map(),
      outputs: new Map(),
      modules: new Map(),
      checks: new Map(),
    };

    const blocks: Block[] = [];
    for (const name of names) {
      const file = this.readSource(join(dir, name));
      if (!file) continue;
      const parsed = parse(file.text, file.filename);
      this.diags.push(...parsed.diagnostics);
      for (const d of parsed.diagnostics) {
        if (d.severity !== "error" || !d.subject) continue;
        const starts = this.syntaxErrorStarts.get(d.subject.filename);
        if (starts) starts.push(d.subject.start);
        else this.syntaxErrorStarts.set(d.subject.filename, [d.subject.start]);
      }
      const items = parsed.body.items;
      for (let i = 0; i < items.length; i++) {
        const item = items[i];
        if (item.kind === "Attribute") {
          this.diags.push(
            error("CW2002", `Unexpected argument "${item.name}" at the top level`, item.nameRange, {
              detail:
                "the top level of a .cw file holds only blocks (resource, variable, locals, output, …)",
            }),
          );
        } else blocks.push(item);
      }
    }
    // By kind, then name: no composite key to build and hash per declaration.
    const firstSeen = new Map<string, Map<string, Site>>();
    const unique = (kind: string, key: string, site: Site): boolean => {
      let seen = firstSeen.get(kind);
      if (!seen) firstSeen.set(kind, seen = new Map());
      const first = seen.get(key);
      if (first) {
        this.reportDuplicate(kind, key, site, first);
        return false;
      }
      seen.set(key, site);
      return true;
    };
    for (let i = 0; i < blocks.length; i++) this.declare(scope, blocks[i], unique);
    return scope;
  }

  /**
   * Creates an instance of `scope` inside `parent`, and with it the single
   * instance of every call in it that is not repeated (a repeated call makes
   * its instances when its expansion node runs).
   */
  instantiate(
    scope: ModuleScope,
    parent: ModuleInstance | undefined,
    key: string | number | null,
    callCtx: ValueObject | undefined,
  ): ModuleInstance {
    let prefix = "";
    let path = scope.path;
    if (parent && scope.call) {
      const segment = instanceAddress(scope.call.name, key);
      prefix = `${parent.prefix}module.${segment}.`;
      // Without keys above, the path is the scope's own: unrepeated modules share it.
      if (prefix !== scope.prefix) path = [...parent.path, segment];
    }
    const ctx: ValueObject = Object.create(null);
    ctx.var = Object.create(null);
    ctx.local = Object.create(null);
    const modules: ValueObject = Object.create(null);
    ctx.module = modules;
    ctx.host = this.hostValues;
    ctx.path = scope.pathValues;
    for (const t of RESOURCE_TYPE_NAMES) ctx[t] = Object.create(null);
    const instance: ModuleInstance = {
      scope,
      parent,
      prefix,
      path,
      ctx,
      callCtx,
      outputs: Object.create(null),
    };
    scope.instances.push(instance);
    for (const [name, child] of scope.modules) {
      if (child.scope.call?.expansion) continue;
      modules[name] = this.instantiate(child.scope, instance, null, ctx).outputs;
    }
    return instance;
  }

  /** Runs a repeated call's count or for_each in every instance of the calling module. */
  expandModule(child: ModuleScope): void {
    const call = child.call!;
    const caller = child.parent!;
    for (const parent of caller.instances) {
      const modules = parent.ctx.module as ValueObject;
      const expansion = this.expand(
        call.countAttr,
        call.forEachAttr,
        parent.ctx,
        caller,
        undefined,
        call.expansion,
      );
      if (expansion === "failed" || expansion === null) {
        modules[call.name] = UNKNOWN;
        continue;
      }
      const list: Value[] = [];
      const byKey: ValueObject = Object.create(null);
      for (const item of expansion) {
        const callCtx = withRepetition(parent.ctx, item.key, item.each);
        const outputs = this.instantiate(child, parent, item.key, callCtx).outputs;
        list.push(outputs);
        if (typeof item.key === "string") byKey[item.key] = outputs;
      }
      // A key that names no instance is the evaluator's error, and only where
      // it is evaluated: `enabled ? module.w[0].x : null` is fine with count 0.
      modules[call.name] = call.forEachAttr ? byKey : list;
    }
  }

  reportDuplicate(kind: string, key: string, site: Site, first: Site): void {
    this.diags.push(error("CW2001", `Duplicate ${kind} "${key}"`, siteRange(site), {
      detail: `${article(kind)} ${kind} named "${key}" is already declared in this module`,
      notes: [`first declared at ${this.fileLabel(siteRange(first), this.sourceByName)}`],
    }));
  }

  checkLabels(block: Block, count: number, names: string): boolean {
    if (block.labels.length === count) {
      const index = NAME_LABEL[block.type];
      return index === undefined || this.checkName(block, block.labels[index]);
    }
    this.diags.push(
      error("CW2003", `Wrong number of labels on ${block.type} block`, labelsRange(block), {
        detail: count === 0
          ? `${article(block.type)} ${block.type} block takes no labels`
          : `${article(block.type)} ${block.type} block takes ${
            count === 1 ? "one label" : `${count} labels`
          }: ${block.type} ${names} {}`,
      }),
    );
    return false;
  }

  /** A name that becomes part of an address must be one a reference or `--target` can spell. */
  checkName(block: Block, label: BlockLabel): boolean {
    const what = block.type === "host" ? "host" : block.type;
    if (!VALID_NAME.test(label.value)) {
      this.diags.push(error("CW2033", `Invalid ${what} name`, label.range, {
        detail: `"${label.value}" is not a name: a name starts with a letter or underscore and ` +
          "holds only letters, digits, underscores and dashes",
      }));
      return false;
    }
    if (block.type === "variable" && RESERVED_VARIABLE_NAMES.has(label.value)) {
      this.diags.push(error("CW2033", "Invalid variable name", label.range, {
        detail: `"${label.value}" is reserved: it is a meta-argument of module blocks`,
      }));
      return false;
    }
    return true;
  }

  declare(
    scope: ModuleScope,
    block: Block,
    unique: (kind: string, key: string, site: Site) => boolean,
  ): void {
    const name = block.labels[0]?.value ?? "";
    switch (block.type) {
      case "clockwork":
        if (!this.checkLabels(block, 0, "")) return;
        if (scope.path.length > 0) {
          this.diags.push(
            warning("CW2027", "clockwork block in a module is ignored", block.typeRange, {
              detail: "settings come from the root module only",
            }),
          );
          return;
        }
        if (this.settingsBlock) {
          this.diags.push(error("CW2027", "Duplicate clockwork block", block.typeRange, {
            detail: "a configuration has at most one clockwork block",
            notes: [
              `first declared at ${
                this.fileLabel(this.settingsBlock.typeRange, this.sourceByName)
              }`,
            ],
          }));
          return;
        }
        this.settingsBlock = block;
        this.settings = this.readSettings(block);
        return;
      case "variable":
        if (
          !this.checkLabels(block, 1, '"NAME"') || !unique("variable", name, block.labels[0])
        ) return;
        this.declareVariable(scope, block);
        return;
      case "locals": {
        if (!this.checkLabels(block, 0, "")) return;
        const { attrs } = this.splitBody(block.body, []);
        for (const attr of attrs.values()) {
          if (!unique("local value", attr.name, attr)) continue;
          const node = this.addNode(
            "local",
            `${scope.prefix}local.${attr.name}`,
            attr,
            () => {
              for (const instance of scope.instances) {
                (instance.ctx.local as ValueObject)[attr.name] = this.evalExpr(
                  attr.expr,
                  instance.ctx,
                  scope,
                );
              }
            },
            scope,
          );
          scope.locals.set(attr.name, node);
          this.pending.push(() => this.linkExpr(node, scope, attr.expr, NO_ALLOW));
        }
        return;
      }
      case "host": {
        if (!this.checkLabels(block, 1, '"NAME"') || !unique("host", name, block.labels[0])) {
          return;
        }
        if (scope.path.length > 0) {
          this.diags.push(
            error("CW2002", "host blocks belong in the root module", block.typeRange, {
              detail: "declare hosts in the root module; modules refer to them as host.NAME",
            }),
          );
          return;
        }
        this.declareHost(scope, block);
        return;
      }
      case "resource": {
        if (!this.checkLabels(block, 2, '"TYPE" "NAME"')) return;
        const type = block.labels[0].value;
        if (!RESOURCE_TYPES[type]) {
          this.diags.push(
            error("CW2018", `Unknown resource type "${type}"`, block.labels[0].range, {
              detail: `the built-in types are ${RESOURCE_TYPE_NAMES.join(", ")}.${
                didYouMean(type, RESOURCE_TYPE_NAMES)
              }`,
            }),
          );
          return;
        }
        const rname = block.labels[1].value;
        const key = `${type}.${rname}`;
        // The resources declared so far are the record of which names are taken.
        const first = scope.resourcesByType.get(type)?.get(rname);
        if (first) {
          this.reportDuplicate("resource", key, block, first.site);
          return;
        }
        this.declareResource(scope, block, type, rname, key);
        return;
      }
      case "output": {
        if (
          !this.checkLabels(block, 1, '"NAME"') || !unique("output", name, block.labels[0])
        ) return;
        this.declareOutput(scope, block);
        return;
      }
      case "module": {
        if (
          !this.checkLabels(block, 1, '"NAME"') || !unique("module", name, block.labels[0])
        ) return;
        this.declareModule(scope, block);
        return;
      }
      case "check": {
        if (
          !this.checkLabels(block, 1, '"NAME"') || !unique("check", name, block.labels[0])
        ) return;
        this.declareCheck(scope, block);
        return;
      }
      default: {
        const known = [
          "clockwork",
          "variable",
          "locals",
          "host",
          "resource",
          "output",
          "module",
          "check",
        ];
        const hint =
          block.type === "data" || block.type === "provider" || block.type === "terraform"
            ? ` Clockwork has no ${block.type} blocks.`
            : didYouMean(block.type, known);
        this.diags.push(error("CW2002", `Unsupported block type "${block.type}"`, block.typeRange, {
          detail: `expected one of ${known.join(", ")}.${hint}`,
        }));
      }
    }
  }

  /** Attributes by name and nested blocks; duplicates and unknown blocks are diagnosed. */
  splitBody(
    body: Body,
    allowedBlocks: readonly string[],
  ): { attrs: AttributeTable; blocks: readonly Block[] } {
    // Attributes gather on a scratch list and are copied out at their exact
    // size: an array grown by push keeps 17 slots, and every body's list lives
    // until the load ends.
    const scratch = scratchAttributes;
    let count = 0;
    let index: Map<string, Attribute> | undefined;
    // Most bodies have no nested blocks: they share one empty list.
    let blocks: Block[] | undefined;
    const items = body.items;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (item.kind === "Attribute") {
        // The parser already reported the duplicate (CW1011); the first one wins.
        if (index !== undefined) {
          if (index.has(item.name)) continue;
          index.set(item.name, item);
        } else {
          let seen = false;
          for (let j = 0; j < count && !seen; j++) seen = scratch[j].name === item.name;
          if (seen) continue;
          if (count === 8) index = new Map(scratch.slice(0, count).map((a) => [a.name, a]));
          index?.set(item.name, item);
        }
        scratch[count++] = item;
      } else if (allowedBlocks.includes(item.type)) {
        (blocks ??= []).push(item);
      } else {
        this.diags.push(error("CW2002", `Unsupported block type "${item.type}"`, item.typeRange, {
          detail: allowedBlocks.length
            ? `blocks allowed here: ${allowedBlocks.join(", ")}.${
              didYouMean(item.type, allowedBlocks)
            }`
            : "no nested blocks are allowed here",
        }));
      }
    }
    const attrs = new AttributeTable(scratch.slice(0, count), index);
    return { attrs, blocks: blocks ?? NO_BLOCKS };
  }

  /** True when a syntax error lies inside `range`: what is missing there was probably not parsed. */
  syntaxErrorIn(range: Range): boolean {
    const starts = this.syntaxErrorStarts.get(range.filename);
    return starts !== undefined && starts.some((s) => s >= range.start && s <= range.end);
  }

  unknownArguments(attrs: AttributeTable, allowed: readonly string[], what: string): void {
    const list = attrs.list;
    for (let i = 0; i < list.length; i++) {
      const attr = list[i];
      if (allowed.includes(attr.name)) continue;
      this.diags.push(error("CW2004", `Unsupported argument "${attr.name}"`, attr.nameRange, {
        detail: `an argument named "${attr.name}" is not expected in ${what}.${
          didYouMean(attr.name, allowed)
        }`,
      }));
    }
  }

  /** Evaluates an expression that may not refer to anything (settings, lifecycle, types). */
  evalConstant(expr: Expression, baseDir: string): Value {
    const refs = referencesOf(expr);
    if (refs.length > 0) {
      this.diags.push(error("CW2007", "References are not allowed here", refs[0].range, {
        detail: "this value must be known before anything is evaluated: use a literal",
      }));
      return UNKNOWN;
    }
    const result = evaluate(expr, { variables: Object.create(null), baseDir });
    this.diags.push(...result.diagnostics);
    return result.value;
  }

  constantString(attr: Attribute | undefined, baseDir: string): string | null {
    if (!attr) return null;
    const value = this.evalConstant(attr.expr, baseDir);
    if (isUnknown(value)) return null;
    const c = convertValue(value, { kind: "string" });
    if ("error" in c) {
      this.diags.push(
        error("CW2006", `Invalid value for "${attr.name}"`, attr.expr.range, { detail: c.error }),
      );
      return null;
    }
    return c.value as string | null;
  }

  constantBool(attr: Attribute | undefined, baseDir: string): boolean {
    if (!attr) return false;
    const value = this.evalConstant(attr.expr, baseDir);
    if (isUnknown(value)) return false;
    const c = convertValue(value, { kind: "bool" });
    if ("error" in c) {
      this.diags.push(
        error("CW2006", `Invalid value for "${attr.name}"`, attr.expr.range, { detail: c.error }),
      );
      return false;
    }
    return c.value === true;
  }

  readSettings(block: Block): ClockworkSettings {
    const { attrs, blocks } = this.splitBody(block.body, ["ai", "state"]);
    this.unknownArguments(attrs, ["required_version"], "a clockwork block");
    const requiredVersion = attrs.get("required_version");
    const settings: { -readonly [K in keyof ClockworkSettings]: ClockworkSettings[K] } = {
      requiredVersion: this.constantString(attrs.get("required_version"), this.rootDir),
      ai: null,
      state: null,
    };
    if (settings.requiredVersion !== null && requiredVersion) {
      const ok = satisfiesVersion(VERSION, settings.requiredVersion);
      if (ok !== true) {
        this.diags.push(
          error("CW2032", "Unsupported Clockwork version", requiredVersion.expr.range, {
            detail: typeof ok === "string"
              ? ok
              : `this configuration requires Clockwork ${settings.requiredVersion}; this is ${VERSION}`,
          }),
        );
      }
    }
    for (const inner of blocks) {
      const { attrs: a } = this.splitBody(inner.body, []);
      if (inner.type === "ai") {
        this.unknownArguments(a, ["provider", "model", "base_url"], "an ai block");
        settings.ai = {
          provider: this.constantString(a.get("provider"), this.rootDir),
          model: this.constantString(a.get("model"), this.rootDir),
          baseUrl: this.constantString(a.get("base_url"), this.rootDir),
        };
        const provider = settings.ai.provider;
        if (provider !== null && !["ollama", "openai", "none"].includes(provider)) {
          this.diags.push(
            error("CW2006", `Unknown AI provider "${provider}"`, a.get("provider")!.expr.range, {
              detail: `expected ollama, openai or none.${
                didYouMean(provider, ["ollama", "openai", "none"])
              }`,
            }),
          );
        }
      } else {
        const backend = this.constantString(a.get("backend"), this.rootDir);
        // Built-in backends take known settings; a plugin's name takes whatever it reads.
        const known = STATE_BACKEND_ARGUMENTS[backend ?? "file"];
        if (known) this.unknownArguments(a, ["backend", "path", ...known], "a state block");
        const options: Record<string, string> = {};
        for (const name of a.keys()) {
          if (name === "backend" || name === "path") continue;
          const value = this.constantString(a.get(name), this.rootDir);
          if (value !== null) options[name] = value;
        }
        settings.state = {
          backend,
          path: this.constantString(a.get("path"), this.rootDir),
          options,
        };
      }
    }
    return settings;
  }

  // ---------------------------------------------------------------- declarations

  /** Link steps run after every module is declared, so references can see every name. */
  readonly pending: ((() => void) | ResourceDecl)[] = [];

  addNode(
    kind: NodeKind,
    id: string,
    site: Site,
    evaluate: (() => void) | null,
    scope: ModuleScope,
  ): Node {
    const node: Node = {
      kind,
      id,
      site,
      deps: [],
      depSet: undefined,
      waiting: 0,
      dependents: [],
      resourceDeps: undefined,
      scopedDeps: undefined,
      instances: undefined,
      instancesIn: undefined,
      instancesUnder: undefined,
      repeat: null,
      evaluate,
      resource: null,
      scope,
    };
    this.nodes.push(node);
    if (scope.gate) this.addEdge(node, scope.gate);
    return node;
  }

  declareVariable(scope: ModuleScope, block: Block): void {
    const name = block.labels[0].value;
    const { attrs, blocks } = this.splitBody(block.body, ["validation"]);
    this.unknownArguments(
      attrs,
      ["type", "default", "description", "sensitive", "nullable"],
      "a variable block",
    );
    const typeAttr = attrs.get("type");
    const parsedType = typeAttr
      ? parseTypeExpr(typeAttr.expr, (e) => this.evalConstant(e, scope.dir), this.diags)
      : ANY;
    const type = "kind" in parsedType ? parsedType : parsedType.type;
    let defaultValue: Value | undefined;
    const defaultAttr = attrs.get("default");
    if (defaultAttr) {
      const raw = this.evalConstant(defaultAttr.expr, scope.dir);
      const c = convertValue(raw, type);
      if ("error" in c) {
        this.diags.push(
          error("CW2014", `Invalid default value for variable "${name}"`, defaultAttr.expr.range, {
            detail: `the default does not match type ${typeToString(type)}: ${c.error}`,
          }),
        );
        // It has a default, just a wrong one: not also "no value for required variable".
        defaultValue = UNKNOWN;
      } else defaultValue = c.value;
    }
    const validations: VariableDecl["validations"] = [];
    for (const v of blocks) {
      const { attrs: va } = this.splitBody(v.body, []);
      this.unknownArguments(va, ["condition", "error_message"], "a validation block");
      const condition = va.get("condition");
      if (!condition) {
        if (!this.syntaxErrorIn(v.range)) {
          this.diags.push(error("CW2005", "Missing required argument", v.typeRange, {
            detail: 'a validation block needs "condition"',
          }));
        }
        continue;
      }
      validations.push({ condition, message: va.get("error_message") });
    }
    const decl: VariableDecl = {
      name,
      block,
      type,
      default: defaultValue,
      sensitive: this.constantBool(attrs.get("sensitive"), scope.dir),
      nullable: attrs.has("nullable") ? this.constantBool(attrs.get("nullable"), scope.dir) : true,
      validations,
    };
    const node = Object.assign(
      this.addNode(
        "variable",
        `${scope.prefix}var.${name}`,
        block.labels[0],
        () => {
          for (const instance of scope.instances) this.evaluateVariable(instance, decl);
        },
        scope,
      ),
      { decl },
    );
    scope.variables.set(name, node);
    this.pending.push(() => {
      this.linkExprs(
        node,
        scope,
        validations.flatMap((v) =>
          v.message ? [v.condition.expr, v.message.expr] : [v.condition.expr]
        ),
        {
          selfVariable: name,
        },
      );
      const call = scope.call;
      if (call && scope.parent) {
        const input = call.block.body.items.find((i): i is Attribute =>
          i.kind === "Attribute" && i.name === name
        );
        const allow = call.forEachAttr ? ALLOW_EACH : call.countAttr ? ALLOW_COUNT : NO_ALLOW;
        if (input) this.linkExpr(node, scope.parent, input.expr, allow);
        // Once per call, whatever its count: a module with no instances is still checked.
        else if (decl.default === undefined) this.missingVariable(decl.name, call.block);
      }
    });
  }

  missingVariable(name: string, call: Block | undefined, site?: Range): void {
    this.diags.push(
      error("CW2015", `No value for required variable "${name}"`, site ?? labelsRange(call!), {
        detail: call
          ? `module "${call.labels[0].value}" must set ${name} = …`
          : `set it with --var ${name}=…, a .cwvars file, CW_VAR_${name}, or give the variable a default`,
      }),
    );
  }

  declareHost(scope: ModuleScope, block: Block): void {
    const name = block.labels[0].value;
    const { attrs } = this.splitBody(block.body, []);
    const node = this.addNode("host", `host.${name}`, block.labels[0], () => {
      const attributes: ValueObject = Object.create(null);
      let runner = "local";
      // Hosts are declared in the root module, which has one instance.
      const ctx = scope.instances[0].ctx;
      for (const attr of attrs.values()) {
        const value = this.evalExpr(attr.expr, ctx, scope);
        if (attr.name === "runner") {
          const c = convertValue(value, { kind: "string" });
          if ("error" in c || typeof c.value !== "string") {
            this.diags.push(error("CW2006", 'Invalid value for "runner"', attr.expr.range, {
              detail: "error" in c
                ? c.error
                : "expected a runner name: local, ssh or a plugin's name",
            }));
          } else runner = c.value;
        } else attributes[attr.name] = value;
      }
      const visible: ValueObject = Object.create(null);
      Object.assign(visible, attributes);
      visible.name = name;
      visible.runner = runner;
      this.hostValues[name] = visible;
      const entry = this.hosts.get(name)!;
      entry.host = {
        name,
        runner,
        attributes: unmark(attributes).value as Record<string, unknown>,
        range: block.range,
      };
    }, scope);
    this.hosts.set(name, { node, block });
    this.pending.push(() =>
      this.linkExprs(node, scope, [...attrs.values()].map((a) => a.expr), NO_ALLOW)
    );
  }

  declareOutput(scope: ModuleScope, block: Block): void {
    const name = block.labels[0].value;
    const { attrs } = this.splitBody(block.body, []);
    this.unknownArguments(
      attrs,
      ["value", "sensitive", "description", "depends_on"],
      "an output block",
    );
    const valueAttr = attrs.get("value");
    if (!valueAttr) {
      if (!this.syntaxErrorIn(block.range)) {
        this.diags.push(error("CW2005", "Missing required argument", labelsRange(block), {
          detail: `output "${name}" needs a value`,
        }));
      }
      return;
    }
    const sensitive = this.constantBool(attrs.get("sensitive"), scope.dir);
    const node = this.addNode(
      "output",
      `${scope.prefix}output.${name}`,
      block.labels[0],
      () => {
        for (const instance of scope.instances) {
          const value = this.evalExpr(valueAttr.expr, instance.ctx, scope);
          const plain = unmark(value);
          if (plain.sensitive && !sensitive) {
            this.diags.push(
              error("CW2031", "Output refers to sensitive values", valueAttr.expr.range, {
                detail:
                  `output "${name}" shows a sensitive value; add sensitive = true to the output block to confirm`,
              }),
            );
          }
          if (scope.parent) {
            instance.outputs[name] = sensitive && !isSensitive(value)
              ? new Sensitive(value)
              : value;
          } else {
            this.outputs.push({
              name,
              value: plain.value,
              sensitive: sensitive || plain.sensitive,
              range: block.range,
            });
          }
        }
      },
      scope,
    );
    scope.outputs.set(name, node);
    this.pending.push(() => {
      this.linkExpr(node, scope, valueAttr.expr, NO_ALLOW);
      const dependsOn = attrs.get("depends_on");
      if (dependsOn) this.linkDependsOn(node, scope, dependsOn);
    });
  }

  declareModule(scope: ModuleScope, block: Block): void {
    const name = block.labels[0].value;
    const { attrs } = this.splitBody(block.body, []);
    const sourceAttr = attrs.get("source");
    if (!sourceAttr) {
      if (!this.syntaxErrorIn(block.range)) {
        this.diags.push(error("CW2005", "Missing required argument", labelsRange(block), {
          detail: `module "${name}" needs source = "./DIR"`,
        }));
      }
      return;
    }
    const source = literalString(sourceAttr.expr);
    if (source === undefined || !(source.startsWith("./") || source.startsWith("../"))) {
      this.diags.push(error("CW2013", "Invalid module source", sourceAttr.expr.range, {
        detail:
          'module sources are local directories written as a literal string starting with "./" or "../"',
      }));
      return;
    }
    for (const meta of ["version", "providers"]) {
      const attr = attrs.get(meta);
      if (attr) {
        this.diags.push(
          error("CW2004", `Unsupported argument "${meta}" on a module`, attr.nameRange, {
            detail: `modules do not take "${meta}" in this version of the language`,
          }),
        );
      }
    }
    const countAttr = attrs.get("count");
    const forEachAttr = attrs.get("for_each");
    if (countAttr && forEachAttr) {
      this.diags.push(
        error("CW2010", "count and for_each cannot be used together", forEachAttr.nameRange, {
          detail: "a module is repeated either by count or by for_each",
        }),
      );
    }
    const dir = resolve(scope.dir, source);
    for (let s: ModuleScope | undefined = scope; s; s = s.parent) {
      if (s.dir === dir) {
        this.diags.push(error("CW2013", `Module "${name}" calls itself`, sourceAttr.expr.range, {
          detail: `${source} is the directory of a module that is already being loaded`,
        }));
        return;
      }
    }
    let isDir = false;
    try {
      isDir = Deno.statSync(dir).isDirectory;
    } catch { /* reported below */ }
    if (!isDir) {
      this.diags.push(
        error("CW2013", `Module directory "${source}" does not exist`, sourceAttr.expr.range, {
          detail: `no directory at ${dir}`,
        }),
      );
      return;
    }
    // Made before the module is loaded, so every node declared in it can wait for it.
    const expansion = countAttr || forEachAttr
      ? this.addNode("module", `${scope.prefix}module.${name}`, block.labels[0], () => {
        const loaded = scope.modules.get(name);
        if (loaded) this.expandModule(loaded.scope);
      }, scope)
      : undefined;
    const call: ModuleCall = { name, block, countAttr, forEachAttr, expansion };
    const child = this.loadModule(dir, [...scope.path, name], scope, call);
    if (!child) return;
    scope.modules.set(name, { scope: child, block });
    if (expansion) {
      this.anyRepeatedModule = true;
      const repeat = [countAttr, forEachAttr].flatMap((a) => a ? [a.expr] : []);
      this.pending.push(() => this.linkExprs(expansion, scope, repeat, NO_ALLOW));
    }
    const inputs = [...attrs.keys()].filter((k) =>
      !["source", "depends_on", "count", "for_each", "version", "providers"].includes(k)
    );
    const declared = [...child.variables.keys()];
    for (const input of inputs) {
      if (child.variables.has(input)) continue;
      const attr = attrs.get(input)!;
      this.diags.push(error("CW2004", `Unsupported argument "${input}"`, attr.nameRange, {
        detail: `module "${name}" (${source}) declares no variable "${input}".${
          didYouMean(input, declared)
        }`,
      }));
    }
    const dependsOn = attrs.get("depends_on");
    if (dependsOn) {
      this.pending.push(() => {
        for (const node of this.moduleResourceNodes(child)) {
          this.linkDependsOn(node, scope, dependsOn);
        }
      });
    }
  }

  moduleResourceNodes(scope: ModuleScope): Node[] {
    const out = [...scope.resourceNodes];
    for (const m of scope.modules.values()) out.push(...this.moduleResourceNodes(m.scope));
    return out;
  }

  declareCheck(scope: ModuleScope, block: Block): void {
    const name = block.labels[0].value;
    const { attrs, blocks } = this.splitBody(block.body, ["assert"]);
    this.unknownArguments(attrs, [], "a check block");
    for (const a of blocks) this.checkAssertStatic(a);
    const node = this.addNode("check", `${scope.prefix}check.${name}`, block.labels[0], () => {
      for (const instance of scope.instances) {
        const owner = `${instance.prefix}check.${name}`;
        const asserts = blocks.flatMap((a) =>
          this.buildAssert(a, instance.ctx, scope, owner, null, null) ?? []
        );
        this.checks.push({ name: `${instance.prefix}${name}`, asserts, range: block.range });
      }
    }, scope);
    scope.checks.set(name, node);
    this.pending.push(() =>
      this.linkExprs(node, scope, blocks.flatMap((a) => this.blockExprs(a.body)), NO_ALLOW)
    );
  }

  blockExprs(body: Body): Expression[] {
    const out: Expression[] = [];
    for (const item of body.items) {
      if (item.kind === "Attribute") out.push(item.expr);
      else out.push(...this.blockExprs(item.body));
    }
    return out;
  }

  checkAssertStatic(block: Block): void {
    if (!this.checkLabels(block, 1, '"KIND"')) return;
    const kind = block.labels[0].value;
    const spec = ASSERT_SPECS[kind as AssertKind];
    if (!spec) {
      this.diags.push(error("CW2023", `Unknown assertion kind "${kind}"`, block.labels[0].range, {
        detail: `the kinds are ${ASSERT_KINDS.join(", ")}.${didYouMean(kind, ASSERT_KINDS)}`,
      }));
      return;
    }
    const { attrs } = this.splitBody(block.body, []);
    this.unknownArguments(attrs, Object.keys(spec.args), `an assert "${kind}" block`);
  }

  /** `key` is `TYPE.NAME`, the resource's name in its module. */
  declareResource(
    scope: ModuleScope,
    block: Block,
    type: string,
    name: string,
    key: string,
  ): void {
    const spec = RESOURCE_TYPES[type];
    const { attrs, blocks } = this.splitBody(block.body, ["lifecycle", "assert"]);
    const shape = typeShape(type, spec);
    let present = 0;
    let anyUnknown = false;
    const list = attrs.list;
    for (let i = 0; i < list.length; i++) {
      const bit = shape.bits.get(list[i].name);
      if (bit === undefined) anyUnknown = true;
      else present |= bit;
    }
    if (anyUnknown) this.unknownArguments(attrs, shape.allowed, shape.where);
    const base = scope.prefix ? scope.prefix + key : key;
    const countAttr = present & shape.bits.get("count")! ? attrs.get("count") : undefined;
    const forEachAttr = present & shape.bits.get("for_each")! ? attrs.get("for_each") : undefined;
    if (countAttr && forEachAttr) {
      this.diags.push(
        error("CW2010", "count and for_each cannot be used together", forEachAttr.nameRange, {
          detail: "a resource is repeated either by count or by for_each",
          address: base,
        }),
      );
    }
    const requiredOneOf = spec.requiredOneOf;
    for (let i = 0; i < requiredOneOf.length; i++) {
      const group = requiredOneOf[i];
      if ((present & shape.requiredMasks[i]) !== 0 || this.syntaxErrorIn(block.range)) continue;
      this.diags.push(error("CW2005", "Missing required argument", labelsRange(block), {
        detail: group.length === 1
          ? `a ${type} resource needs "${group[0]}"`
          : `a ${type} resource needs one of ${group.map((g) => `"${g}"`).join(", ")}`,
        address: base,
      }));
    }
    // Which of exclusive arguments are set is known from their values (null
    // is not set), so that is checked per instance (checkSetArguments), and
    // only when the block writes two of them.
    let mayConflict = false;
    for (let i = 0; i < shape.exclusiveMasks.length; i++) {
      const both = present & shape.exclusiveMasks[i];
      if ((both & (both - 1)) !== 0) mayConflict = true;
    }
    const lifecycleBlocks = blocks.length ? blocks.filter((b) => b.type === "lifecycle") : blocks;
    const assertBlocks = blocks.length ? blocks.filter((b) => b.type === "assert") : blocks;
    if (lifecycleBlocks.length > 1) {
      this.diags.push(error("CW2001", "Duplicate lifecycle block", lifecycleBlocks[1].typeRange, {
        detail: "a resource has at most one lifecycle block",
      }));
    }
    const lifecycle = this.readLifecycle(lifecycleBlocks[0], spec, scope.dir);
    for (let i = 0; i < assertBlocks.length; i++) this.checkAssertStatic(assertBlocks[i]);

    const node = this.addNode("resource", base, block, null, scope);
    node.repeat = forEachAttr ? "for_each" : countAttr ? "count" : null;
    const decl: ResourceDecl = {
      node,
      scope,
      block,
      type,
      name,
      spec,
      attrs,
      countAttr,
      forEachAttr,
      assertBlocks,
      lifecycle,
      mayConflict,
    };
    node.resource = decl;
    scope.resourceNodes.push(node);
    let ofType = scope.resourcesByType.get(type);
    if (!ofType) scope.resourcesByType.set(type, ofType = new Map());
    ofType.set(name, node);
    this.pending.push(decl);
  }

  linkResource(decl: ResourceDecl): void {
    const { node, scope, attrs, countAttr, forEachAttr } = decl;
    if (countAttr) this.linkExpr(node, scope, countAttr.expr, NO_ALLOW);
    if (forEachAttr) this.linkExpr(node, scope, forEachAttr.expr, NO_ALLOW);
    const allow = forEachAttr
      ? (countAttr ? ALLOW_BOTH : ALLOW_EACH)
      : (countAttr ? ALLOW_COUNT : NO_ALLOW);
    const list = attrs.list;
    for (let i = 0; i < list.length; i++) {
      const attr = list[i];
      if (attr === countAttr || attr === forEachAttr || attr.name === "depends_on") continue;
      this.linkExpr(node, scope, attr.expr, allow);
    }
    const assertBlocks = decl.assertBlocks;
    for (let i = 0; i < assertBlocks.length; i++) {
      this.linkExprs(node, scope, this.blockExprs(assertBlocks[i].body), allow);
    }
    const dependsOn = attrs.get("depends_on");
    if (dependsOn) this.linkDependsOn(node, scope, dependsOn);
  }

  readLifecycle(
    block: Block | undefined,
    spec: ResourceTypeSpec,
    dir: string,
  ): ResourceInstance["lifecycle"] {
    const lifecycle = {
      preventDestroy: false,
      ignoreChanges: [] as string[],
      createBeforeDestroy: false,
    };
    if (!block) return lifecycle;
    const { attrs } = this.splitBody(block.body, []);
    this.unknownArguments(
      attrs,
      ["prevent_destroy", "ignore_changes", "create_before_destroy"],
      "a lifecycle block",
    );
    lifecycle.preventDestroy = this.constantBool(attrs.get("prevent_destroy"), dir);
    lifecycle.createBeforeDestroy = this.constantBool(attrs.get("create_before_destroy"), dir);
    const ignore = attrs.get("ignore_changes");
    if (ignore) {
      const names = Object.keys(spec.args);
      const items = ignore.expr.kind === "Tuple"
        ? ignore.expr.items
        : ignore.expr.kind === "Variable" && ignore.expr.name === "all"
        ? null
        : undefined;
      if (items === null) lifecycle.ignoreChanges = [...names];
      else if (items === undefined) {
        this.diags.push(error("CW2022", "Invalid ignore_changes", ignore.expr.range, {
          detail: "expected a list of argument names, such as [content, mode], or all",
        }));
      } else {
        for (const item of items) {
          const attrName = item.kind === "Variable" ? item.name : literalString(item);
          if (attrName === undefined || !names.includes(attrName)) {
            this.diags.push(error("CW2022", "Invalid ignore_changes entry", item.range, {
              detail: attrName === undefined
                ? "expected an argument name"
                : `"${attrName}" is not an argument of this resource type.${
                  didYouMean(attrName, names)
                }`,
            }));
            continue;
          }
          lifecycle.ignoreChanges.push(attrName);
        }
      }
    }
    return lifecycle;
  }

  // ---------------------------------------------------------------- references

  addEdge(from: Node, to: Node): void {
    if (from === to) return;
    const deps = from.deps;
    if (from.depSet) {
      if (from.depSet.has(to)) return;
      from.depSet.add(to);
    } else {
      if (deps.includes(to)) return;
      if (deps.length >= 16) from.depSet = new Set([...deps, to]);
    }
    from.deps = withNode(deps, to);
    to.dependents = withNode(to.dependents, from);
  }

  /** linkExpr's list of references, reused from one expression to the next. */
  readonly linkedRefs: Traversal[] = [];

  markBad(expr: Expression): void {
    this.badExprs.add(expr);
    this.anyBadExprs = true;
  }

  linkExprs(node: Node, scope: ModuleScope, exprs: readonly Expression[], allow: Allow): void {
    for (const expr of exprs) this.linkExpr(node, scope, expr, allow);
  }

  linkExpr(node: Node, scope: ModuleScope, expr: Expression, allow: Allow): void {
    // Plain strings are most arguments; they refer to nothing.
    if (plainStringOf(expr) !== undefined) return;
    const refs = this.linkedRefs;
    refs.length = 0;
    referencesInto(expr, refs);
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i];
      const target = this.resolveRef(ref, scope, allow);
      if (target === null) continue;
      if (target === "bad") this.markBad(expr);
      else if (Array.isArray(target) ? target.includes(node) : target === node) {
        this.diags.push(error("CW2011", `Self-referential ${node.kind} ${node.id}`, ref.range, {
          detail: "a declaration cannot refer to its own value",
        }));
        this.markBad(expr);
      } else if (Array.isArray(target)) { for (const t of target) this.addEdge(node, t); }
      else this.addEdge(node, target as Node);
    }
  }

  undeclared(ref: Traversal, summary: string, detail: string): "bad" {
    this.diags.push(error("CW2007", summary, ref.range, { detail }));
    return "bad";
  }

  /** The node a reference depends on; a list only for a whole module's outputs. */
  resolveRef(ref: Traversal, scope: ModuleScope, allow: Allow): Node | Node[] | null | "bad" {
    const first = ref.path[0];
    const name = typeof first === "string" ? first : undefined;
    switch (ref.root) {
      case "var": {
        if (name === undefined) {
          return this.undeclared(
            ref,
            "Invalid reference",
            "var must be followed by a variable name: var.NAME",
          );
        }
        if (name === allow.selfVariable) return null;
        const node = scope.variables.get(name);
        if (node) return node;
        return this.undeclared(
          ref,
          `Reference to undeclared input variable "${name}"`,
          `no variable "${name}" is declared${whereIn(scope)}.${
            didYouMean(name, scope.variables.keys())
          }`,
        );
      }
      case "local": {
        if (name === undefined) {
          return this.undeclared(
            ref,
            "Invalid reference",
            "local must be followed by a name: local.NAME",
          );
        }
        const node = scope.locals.get(name);
        if (node) return node;
        return this.undeclared(
          ref,
          `Reference to undeclared local value "${name}"`,
          `no local value "${name}" is declared${whereIn(scope)}.${
            didYouMean(name, scope.locals.keys())
          }`,
        );
      }
      case "module": {
        if (name === undefined) {
          return this.undeclared(
            ref,
            "Invalid reference",
            "module must be followed by a module name: module.NAME.OUTPUT",
          );
        }
        const mod = scope.modules.get(name);
        if (!mod) {
          return this.undeclared(
            ref,
            `Reference to undeclared module "${name}"`,
            `no module "${name}" is declared${whereIn(scope)}.${
              didYouMean(name, scope.modules.keys())
            }`,
          );
        }
        const call = mod.scope.call!;
        let at = 1;
        if (call.expansion) {
          const key = ref.path[1];
          if (key === undefined) return [...mod.scope.outputs.values(), call.expansion];
          const repeat = call.forEachAttr ? "for_each" : "count";
          const example = call.forEachAttr ? `module.${name}["KEY"]` : `module.${name}[0]`;
          if (typeof key === "string" && !isIndexStep(ref, 1)) {
            return this.undeclared(
              ref,
              "Missing module instance key",
              `module.${name} has ${repeat} set, so its outputs belong to its instances: use ${example}.${key}${
                call.forEachAttr ? "" : ` or module.${name}[*].${key}`
              }`,
            );
          }
          if (typeof key === "string" && !call.forEachAttr) {
            return this.undeclared(
              ref,
              "Invalid module instance key",
              `module.${name} has count set, so its instances are numbered: ${example}`,
            );
          }
          at = 2;
        } else if (typeof ref.path[1] === "number" || isIndexStep(ref, 1)) {
          return this.undeclared(
            ref,
            "Unexpected module instance key",
            `module.${name} has neither count nor for_each, so it has one instance: refer to it as module.${name}.OUTPUT`,
          );
        }
        const out = ref.path[at];
        if (typeof out !== "string") {
          const outputs = [...mod.scope.outputs.values()];
          if (call.expansion) outputs.push(call.expansion);
          return outputs;
        }
        const node = mod.scope.outputs.get(out);
        if (node) return node;
        return this.undeclared(
          ref,
          `Reference to undeclared output "${out}" of module "${name}"`,
          `module "${name}" has no output "${out}".${didYouMean(out, mod.scope.outputs.keys())}`,
        );
      }
      case "host": {
        if (name === undefined) {
          return this.undeclared(
            ref,
            "Invalid reference",
            "host must be followed by a host name: host.NAME",
          );
        }
        const entry = this.hosts.get(name);
        if (entry) return entry.node;
        return this.undeclared(
          ref,
          `Reference to undeclared host "${name}"`,
          `no host "${name}" is declared.${didYouMean(name, this.hosts.keys())}`,
        );
      }
      case "path":
        if (name === "module" || name === "root" || name === "cwd") return null;
        return this.undeclared(
          ref,
          `Unknown path attribute${name ? ` "${name}"` : ""}`,
          "path has the attributes module, root and cwd",
        );
      case "each":
        if (!allow.each) {
          return this.undeclared(
            ref,
            'Reference to "each" outside for_each',
            "each.key and each.value exist only in a resource or module block that sets for_each",
          );
        }
        if (name === "key" || name === "value") return null;
        return this.undeclared(ref, "Invalid reference", "each has the attributes key and value");
      case "count":
        if (!allow.count) {
          return this.undeclared(
            ref,
            'Reference to "count" outside count',
            "count.index exists only in a resource or module block that sets count",
          );
        }
        if (name === "index") return null;
        return this.undeclared(ref, "Invalid reference", "count has the attribute index");
      default: {
        if (RESOURCE_TYPES[ref.root]) {
          if (name === undefined) {
            return this.undeclared(
              ref,
              "Invalid reference",
              `${ref.root} must be followed by a resource name: ${ref.root}.NAME`,
            );
          }
          const node = scope.resourcesByType.get(ref.root)?.get(name);
          if (node) {
            const second = ref.path[1];
            if (!node.repeat && second !== undefined && isIndexStep(ref, 1)) {
              return this.undeclared(
                ref,
                "Unexpected resource instance key",
                `${ref.root}.${name} has neither count nor for_each, so it has one instance: refer to it as ${ref.root}.${name}.ATTRIBUTE`,
              );
            }
            if (node.repeat && typeof second === "string" && !isIndexStep(ref, 1)) {
              const example = node.repeat === "for_each"
                ? `${ref.root}.${name}["KEY"].${second}`
                : `${ref.root}.${name}[0].${second} or ${ref.root}.${name}[*].${second}`;
              return this.undeclared(
                ref,
                "Missing resource instance key",
                `${ref.root}.${name} has ${node.repeat} set, so its attributes belong to its instances: use ${example}`,
              );
            }
            const attr = ref.path[node.repeat ? 2 : 1];
            const args = typeShape(ref.root, RESOURCE_TYPES[ref.root]).names;
            if (typeof attr === "string" && !args.includes(attr)) {
              return this.undeclared(
                ref,
                `Unsupported attribute "${attr}" of ${ref.root}.${name}`,
                `a ${ref.root} resource has the attributes ${args.join(", ")}.${
                  didYouMean(attr, args)
                }`,
              );
            }
            return node;
          }
          const sameType = [...(scope.resourcesByType.get(ref.root)?.keys() ?? [])];
          return this.undeclared(
            ref,
            `Reference to undeclared resource "${ref.root}.${name}"`,
            `no resource "${ref.root}" "${name}" is declared${whereIn(scope)}.${
              didYouMean(name, sameType)
            }`,
          );
        }
        return this.undeclared(
          ref,
          `Unknown name "${ref.root}"`,
          ref.root === "data"
            ? "Clockwork has no data sources: read a file with file() or templatefile(), or pass a value in as a variable"
            : `expressions may refer to ${ROOT_NAMES.join(", ")}.${
              didYouMean(ref.root, ROOT_NAMES)
            }`,
        );
      }
    }
  }

  linkDependsOn(node: Node, scope: ModuleScope, attr: Attribute): void {
    const expr = attr.expr;
    if (expr.kind !== "Tuple") {
      this.diags.push(error("CW2020", "Invalid depends_on", expr.range, {
        detail: "depends_on is a list of resources or modules: [file.a, module.cache]",
      }));
      return;
    }
    for (const item of expr.items) {
      const refs = referencesOf(item);
      const ref = refs[0];
      const isTraversal = refs.length === 1 &&
        (item.kind === "Variable" || item.kind === "GetAttr" || item.kind === "Index");
      if (!ref || !isTraversal || (ref.root !== "module" && !RESOURCE_TYPES[ref.root])) {
        this.diags.push(error("CW2020", "Invalid depends_on entry", item.range, {
          detail: "each entry names a resource (file.a) or a module (module.cache)",
        }));
        continue;
      }
      if (ref.root === "module") {
        const modName = ref.path[0];
        const mod = typeof modName === "string" ? scope.modules.get(modName) : undefined;
        if (!mod) {
          this.undeclared(
            ref,
            `Reference to undeclared module "${String(modName)}"`,
            `no such module.${didYouMean(String(modName), scope.modules.keys())}`,
          );
          continue;
        }
        if (isIndexStep(ref, 1)) {
          // As in Terraform: depends_on names whole objects, never one instance.
          this.diags.push(error("CW2020", "Invalid depends_on entry", item.range, {
            detail: `depends_on waits for a whole module, every instance: module.${modName}`,
          }));
          continue;
        }
        for (const r of this.moduleResourceNodes(mod.scope)) this.addEdge(node, r);
        continue;
      }
      const path = ref.path;
      if (path.length > 2 || (path.length === 2 && !isIndexStep(ref, 1))) {
        // As in Terraform: an attribute is not something to wait for.
        this.diags.push(error("CW2020", "Invalid depends_on entry", item.range, {
          detail: `depends_on names a whole resource, not one of its attributes: ${ref.root}.${
            String(path[0])
          }`,
        }));
        continue;
      }
      const target = this.resolveRef(ref, scope, NO_ALLOW);
      if (target === node) {
        this.diags.push(error("CW2011", `Self-referential ${node.kind} ${node.id}`, item.range, {
          detail: "a resource cannot depend on itself",
        }));
      } else if (Array.isArray(target)) { for (const t of target) this.addEdge(node, t); }
      else if (target && target !== "bad") this.addEdge(node, target);
    }
  }

  // ---------------------------------------------------------------- evaluation

  evaluateAll(): void {
    const nodes = this.nodes;
    for (let i = 0; i < nodes.length; i++) nodes[i].waiting = nodes[i].deps.length;
    const queue: Node[] = this.nodes.filter((n) => n.deps.length === 0);
    let done = 0;
    for (let i = 0; i < queue.length; i++) {
      const node = queue[i];
      done++;
      this.collectResourceDeps(node);
      const errorsBefore = this.diags.length;
      if (node.resource !== null) this.evaluateResource(node.resource);
      else node.evaluate!();
      // Failures exist only once something was reported: most loads skip this.
      if (
        this.diags.length > 0 &&
        (this.errorSince(errorsBefore) || node.deps.some((d) => d.failed))
      ) node.failed = true;
      const dependents = node.dependents;
      for (let j = 0; j < dependents.length; j++) {
        if (--dependents[j].waiting === 0) queue.push(dependents[j]);
      }
    }
    if (done < this.nodes.length) this.reportCycles(this.nodes.filter((n) => n.waiting > 0));
  }

  errorSince(count: number): boolean {
    for (let i = count; i < this.diags.length; i++) {
      if (this.diags[i].severity === "error") return true;
    }
    return false;
  }

  /** Whether an unknown count or for_each of `owner` comes from an error already reported. */
  unknownFromError(expr: Expression, owner: Node | undefined): boolean {
    return this.badExprs.has(expr) || owner?.deps.some((d) => d.failed) === true;
  }

  collectResourceDeps(node: Node): void {
    const deps = node.deps;
    if (deps.length === 0) {
      node.resourceDeps = NO_NODES;
      return;
    }
    // Most nodes reach a handful of resources: a list, indexed only once it
    // grows, gathered on a scratch list and kept at its exact size.
    const list = scratchNodes;
    list.length = 0;
    let seen: Set<Node> | undefined;
    for (let i = 0; i < deps.length; i++) {
      const d = deps[i];
      if (d.kind === "resource") seen = addUnique(list, seen, d);
      else {
        const reached = d.resourceDeps ?? NO_NODES;
        for (let j = 0; j < reached.length; j++) seen = addUnique(list, seen, reached[j]);
      }
    }
    node.resourceDeps = list.length ? list.slice() : NO_NODES;
    if (this.anyRepeatedModule) this.splitResourceDeps(node);
  }

  splitResourceDeps(node: Node): void {
    const reach = new Map<Node, ModuleScope>();
    const note = (r: Node, through: ModuleScope) => {
      const before = reach.get(r);
      reach.set(r, before === undefined ? through : shallower(before, through));
    };
    // A module's variable reads its value in the calling module: the way
    // to what the value refers to passes through the caller, even when that
    // is back in this module (`peer = module.a["x"].made` in module "a").
    const from = node.kind === "variable" && node.scope.parent ? node.scope.parent : node.scope;
    for (const d of node.deps) {
      const edge = commonScope(from, d.scope);
      if (d.kind === "resource") note(d, edge);
      else for (const [r, through] of d.scopedDeps ?? NO_SCOPED) note(r, shallower(through, edge));
    }
    node.scopedDeps = reach;
  }

  reportCycles(stuck: Node[]): void {
    const stuckSet = new Set(stuck);
    const reported = new Set<Node>();
    const sorted = [...stuck].sort((a, b) => compareAddresses(a.id, b.id));
    for (const start of sorted) {
      if (reported.has(start)) continue;
      const cycle = this.findCycle(start, stuckSet);
      if (!cycle || cycle.some((n) => reported.has(n))) continue;
      for (const n of cycle) reported.add(n);
      // Start the message at the smallest member so it reads the same every run.
      let min = 0;
      for (let i = 1; i < cycle.length; i++) {
        if (compareAddresses(cycle[i].id, cycle[min].id) < 0) min = i;
      }
      const ordered = [...cycle.slice(min), ...cycle.slice(0, min)];
      const text = [...ordered, ordered[0]].map((n) => n.id).join(" → ");
      this.diags.push(error("CW2011", `Dependency cycle: ${text}`, siteRange(ordered[0].site), {
        detail: "these declarations refer to each other, so none can be evaluated first",
        notes: ordered.slice(1).map((n) =>
          `${n.id} is declared at ${this.fileLabel(siteRange(n.site), this.sourceByName)}`
        ),
      }));
    }
  }

  /** A cycle through `start` following dependencies inside `within`, or undefined. */
  findCycle(start: Node, within: Set<Node>): Node[] | undefined {
    // Iterative DFS; the cycle is the stack segment from the first repeated node.
    const onStack = new Map<Node, number>();
    const visited = new Set<Node>();
    const stack: { node: Node; deps: Node[]; next: number }[] = [];
    const push = (n: Node) => {
      onStack.set(n, stack.length);
      visited.add(n);
      stack.push({
        node: n,
        deps: [...n.deps].filter((d) => within.has(d)).sort((a, b) => compareAddresses(a.id, b.id)),
        next: 0,
      });
    };
    push(start);
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.next >= top.deps.length) {
        onStack.delete(top.node);
        stack.pop();
        continue;
      }
      const d = top.deps[top.next++];
      const at = onStack.get(d);
      if (at !== undefined) return stack.slice(at).map((f) => f.node);
      if (!visited.has(d)) push(d);
    }
    return undefined;
  }

  evalExpr(expr: Expression, variables: ValueObject, scope: ModuleScope): Value {
    const plainString = plainStringOf(expr);
    if (plainString !== undefined) return plainString;
    if (this.anyBadExprs && this.badExprs.has(expr)) return UNKNOWN;
    return evaluateInto(expr, variables, scope.dir, this.diags);
  }

  resolveRootVariables(): void {
    const declared = new Map<string, { rawText: boolean }>();
    for (const [name, node] of this.root.variables) {
      declared.set(name, {
        // As Terraform does: primitive-typed values are taken as text (then converted), others parsed as HCL.
        rawText: ["string", "number", "bool", "any"].includes(node.decl.type.kind),
      });
    }
    const errorsBefore = this.diags.length;
    const cwvars: SourceFile[] = [];
    for (const name of this.listDir(this.rootDir, ".cwvars") ?? []) {
      const file = this.readSource(join(this.rootDir, name));
      if (file) cwvars.push(file);
    }
    this.rawVariables = collectVariableValues(
      this.rootDir,
      cwvars,
      declared,
      this.options,
      this.diags,
      this.sources,
    );
    this.variableSourcesFailed = this.errorSince(errorsBefore);
  }

  evaluateVariable(instance: ModuleInstance, decl: VariableDecl): void {
    const scope = instance.scope;
    const call = scope.call?.block;
    let raw: Value | undefined;
    let origin = "";
    let subject: Range = decl.block.labels[0].range;
    if (scope.parent && call && instance.callCtx) {
      const input = call.body.items.find((i): i is Attribute =>
        i.kind === "Attribute" && i.name === decl.name
      );
      if (input) {
        raw = this.evalExpr(input.expr, instance.callCtx, scope.parent);
        origin = `module "${call.labels[0].value}" argument`;
        subject = input.expr.range;
      }
    } else {
      const given = this.rawVariables.get(decl.name);
      if (given) {
        raw = given.value;
        origin = given.source;
        if (given.range) subject = given.range;
      }
    }
    let value: Value;
    if (raw === undefined) {
      if (decl.default === undefined) {
        // A module call's missing argument was reported when it was linked.
        // A variables file that failed to read or parse may have held the
        // value: its own error is the one to fix.
        if (!call && !this.variableSourcesFailed) {
          this.missingVariable(decl.name, undefined, decl.block.labels[0].range);
        }
        // Reported either way, so what depends on it is not reported again.
        scope.variables.get(decl.name)!.failed = true;
        value = UNKNOWN;
      } else value = decl.default;
    } else {
      const c = convertValue(raw, decl.type);
      if ("error" in c) {
        this.diags.push(error("CW2014", `Invalid value for variable "${decl.name}"`, subject, {
          // A sensitive variable's keys and length are not shown: converting it marked says so.
          detail: `the value from ${origin} does not match type ${typeToString(decl.type)}: ${
            decl.sensitive
              ? (convertValue(new Sensitive(raw), decl.type) as { error: string }).error
              : c.error
          }`,
        }));
        value = UNKNOWN;
      } else value = c.value;
      // As in Terraform: a non-nullable variable given null takes its default.
      if (value === null && !decl.nullable && decl.default !== undefined) value = decl.default;
      if (value === null && !decl.nullable) {
        this.diags.push(error("CW2014", `Invalid value for variable "${decl.name}"`, subject, {
          detail: "the variable is not nullable, but the value is null",
        }));
        value = UNKNOWN;
      }
    }
    if (decl.sensitive && !isUnknown(value)) value = new Sensitive(value);
    const vars = instance.ctx.var as ValueObject;
    vars[decl.name] = value;
    if (isUnknown(value)) {
      // A root value is always known unless it failed to parse, which was reported.
      if (!call) scope.variables.get(decl.name)!.failed = true;
      return;
    }
    for (const validation of decl.validations) {
      const ok = this.evalExpr(validation.condition.expr, instance.ctx, scope);
      const plain = unmark(ok).value;
      if (isUnknown(plain)) continue;
      if (typeof plain !== "boolean") {
        this.diags.push(
          error("CW2006", "Invalid validation condition", validation.condition.expr.range, {
            detail: `the condition must be true or false, got ${typeof plain}`,
          }),
        );
        continue;
      }
      if (plain) continue;
      const message = validation.message
        ? unmark(this.evalExpr(validation.message.expr, instance.ctx, scope))
        : null;
      this.diags.push(error("CW2016", `Invalid value for variable "${decl.name}"`, subject, {
        detail: message?.sensitive
          ? "the error message includes a sensitive value, so it is not shown"
          : typeof message?.value === "string"
          ? message.value
          : "the validation condition is false",
        notes: [
          `validation rule at ${this.fileLabel(validation.condition.range, this.sourceByName)}`,
        ],
      }));
    }
  }

  /**
   * Instance keys from count or for_each; null when the resource or module is
   * not repeated. `address` names the resource in diagnostics (none for a module).
   */
  expand(
    countAttr: Attribute | undefined,
    forEachAttr: Attribute | undefined,
    variables: ValueObject,
    scope: ModuleScope,
    address: string | undefined,
    owner: Node | undefined,
  ): { key: string | number; each?: Value }[] | null | "failed" {
    if (forEachAttr) {
      const raw = this.evalExpr(forEachAttr.expr, variables, scope);
      const fail = (detail: string) => {
        this.diags.push(
          error("CW2008", "Invalid for_each argument", forEachAttr.expr.range, { detail, address }),
        );
        return "failed" as const;
      };
      if (isUnknown(raw)) {
        return this.unknownFromError(forEachAttr.expr, owner)
          ? "failed"
          : fail("the value is not known until apply");
      }
      if (isSensitive(raw)) {
        return fail(
          "a sensitive value cannot be used in for_each: the keys would appear in addresses",
        );
      }
      if (raw === null) return fail("for_each is null; use a map or a set of strings");
      if (Array.isArray(raw) && producesList(forEachAttr.expr, scope)) {
        return fail(
          "for_each takes a set of strings or a map, not a list (tuple): list positions would make unstable instance keys. Convert it with toset(...)",
        );
      }
      if (Array.isArray(raw)) {
        const keys = new Set<string>();
        for (const item of raw) {
          const plain = unmark(item);
          if (typeof plain.value !== "string") {
            return fail(
              `for_each takes a set of strings or a map; this list holds a ${describe(item)}`,
            );
          }
          if (plain.sensitive) return fail("a sensitive value cannot be used in for_each");
          keys.add(plain.value);
        }
        return [...keys].sort().map((k) => ({ key: k, each: k }));
      }
      if (isObject(raw)) return Object.keys(raw).sort().map((k) => ({ key: k, each: raw[k] }));
      return fail(`for_each takes a set of strings or a map, not a ${describe(raw)}`);
    }
    if (countAttr) {
      const raw = this.evalExpr(countAttr.expr, variables, scope);
      const fail = (detail: string) => {
        this.diags.push(
          error("CW2009", "Invalid count argument", countAttr.expr.range, { detail, address }),
        );
        return "failed" as const;
      };
      if (isUnknown(raw)) {
        return this.unknownFromError(countAttr.expr, owner)
          ? "failed"
          : fail("the value is not known until apply");
      }
      const c = convertValue(unmark(raw).value, { kind: "number" });
      if ("error" in c || typeof c.value !== "number") {
        return fail(`count must be a whole number, got ${describe(raw)}`);
      }
      const n = c.value;
      if (!Number.isInteger(n) || n < 0) {
        return fail(
          `count must be a whole number of at least 0, got ${isSensitive(raw) ? "(sensitive)" : n}`,
        );
      }
      return Array.from({ length: n }, (_, i) => ({ key: i }));
    }
    return null;
  }

  evaluateResource(decl: ResourceDecl): void {
    const node = decl.node;
    const instances = decl.scope.instances;
    node.instances = [];
    if (!this.anyRepeatedModule) {
      // Every instance depends on every instance of what it refers to.
      const deps = instanceAddresses(node.resourceDeps);
      for (let i = 0; i < instances.length; i++) this.evaluateResourceIn(decl, instances[i], deps);
      return;
    }
    node.instancesIn = new Map();
    const scoped = node.scopedDeps ?? NO_SCOPED;
    for (let i = 0; i < instances.length; i++) {
      const module = instances[i];
      const deps = new Set<string>();
      for (const [r, through] of scoped) {
        const within = instancesUnder(r, through).get(enclosing(module, through));
        for (const a of within ?? []) deps.add(a);
      }
      this.evaluateResourceIn(decl, module, sortAddresses([...deps], (a) => a));
    }
  }

  /** The resource's instances in one module instance. */
  evaluateResourceIn(decl: ResourceDecl, module: ModuleInstance, deps: string[]): void {
    const { node, scope, type, name, attrs } = decl;
    const base = module.prefix === scope.prefix ? node.id : `${module.prefix}${type}.${name}`;
    const ctx = module.ctx;
    const holder = ctx[type] as ValueObject;
    const instances = node.instances!;
    const expansion = this.expand(decl.countAttr, decl.forEachAttr, ctx, scope, base, node);
    if (expansion === "failed") {
      holder[name] = UNKNOWN;
      return;
    }
    const mine = node.instancesIn ? [] as string[] : undefined;
    node.instancesIn?.set(module, mine!);
    if (expansion === null) {
      const built = this.buildInstance(decl, ctx, module, base, null, deps);
      instances.push(base);
      mine?.push(base);
      this.resources.push(built.instance);
      holder[name] = built.visible;
      return;
    }
    const values: Value[] = [];
    const byKey: ValueObject = Object.create(null);
    for (const inst of expansion) {
      const variables = withRepetition(ctx, inst.key, inst.each);
      const address = instanceAddress(base, inst.key);
      const built = this.buildInstance(decl, variables, module, address, inst.key, deps);
      instances.push(address);
      mine?.push(address);
      this.resources.push(built.instance);
      values.push(built.visible);
      if (typeof inst.key === "string") byKey[inst.key] = built.visible;
    }
    holder[name] = attrs.has("for_each") ? byKey : values;
  }

  buildInstance(
    decl: ResourceDecl,
    variables: ValueObject,
    module: ModuleInstance,
    address: string,
    key: string | number | null,
    dependsOn: string[],
  ): { instance: ResourceInstance; visible: ValueObject } {
    const { scope, block, type, name, spec, attrs, assertBlocks, lifecycle } = decl;
    const attributes: Record<string, unknown> = {};
    const visible: ValueObject = Object.create(INSTANCE_VALUE_PROTOTYPE);
    const sensitive: string[] = [];
    const shape = typeShape(type, spec);
    const names = shape.names;
    for (let i = 0; i < names.length; i++) visible[names[i]] = null;
    let description: string | null = null;
    let host: string | null = null;
    let timeoutMs = DEFAULT_TIMEOUT_MS;
    /** Arguments written in the block whose value is null: not set, as in Terraform. */
    let nulls: string[] | null = null;

    const list = attrs.list;
    for (let i = 0; i < list.length; i++) {
      const attr = list[i];
      const argSpec: ArgSpec | undefined = spec.args[attr.name];
      if (!argSpec) {
        if (attr.name === "description") {
          const v = this.evalExpr(attr.expr, variables, scope);
          const c = convertValue(unmark(v).value, { kind: "string" });
          if ("error" in c) this.typeError(attr, c.error, address);
          else if (typeof c.value === "string") description = c.value;
        } else if (attr.name === "timeout") {
          const v = unmark(this.evalExpr(attr.expr, variables, scope)).value;
          if (isUnknown(v)) continue;
          const ms = parseDuration(v);
          if (typeof ms === "string") {
            this.diags.push(
              error("CW2019", "Invalid timeout", attr.expr.range, { detail: ms, address }),
            );
          } else timeoutMs = ms;
        } else if (attr.name === "host") {
          host = this.hostName(attr, variables, scope, address);
          const runner = host === null ? undefined : this.hosts.get(host)?.host?.runner;
          if (type === "container" && runner !== undefined && runner !== "local") {
            this.diags.push(error("CW2006", 'Invalid value for "host"', attr.expr.range, {
              detail:
                `containers are managed on this machine only (its podman or docker); host "${host}" runs over ${runner}. Remove host, or start the container with a command on that host`,
              address,
            }));
          }
        }
        continue;
      }
      const raw = this.evalExpr(attr.expr, variables, scope);
      if (isUnknown(raw)) {
        visible[attr.name] = UNKNOWN;
        continue;
      }
      let value: unknown;
      let isSensitiveValue: boolean;
      if (typeof raw === "string" && argSpec.type.kind === "string") {
        // Already what conversion and unmarking would return.
        value = raw;
        isSensitiveValue = false;
      } else {
        const converted = convertValue(raw, argSpec.type);
        if ("error" in converted) {
          this.typeError(attr, converted.error, address);
          continue;
        }
        const plain = unmark(converted.value);
        value = plain.value;
        isSensitiveValue = plain.sensitive;
      }
      if (value === null) {
        (nulls ??= []).push(attr.name);
        continue;
      }
      const problem = checkArgument(argSpec, value, isSensitiveValue);
      if (problem) {
        this.diags.push(
          error("CW2006", `Invalid value for "${attr.name}"`, attr.expr.range, {
            detail: problem,
            address,
          }),
        );
        continue;
      }
      if (attr.name === "mode" && typeof value === "string") value = value.padStart(4, "0");
      if (argSpec.path && typeof value === "string") {
        value = isAbsolute(value) ? value : resolve(scope.dir, value);
      } else if (argSpec.path && Array.isArray(value)) {
        value = value.map((p) =>
          typeof p === "string" && !isAbsolute(p) ? resolve(scope.dir, p) : p
        );
      }
      if (isSensitiveValue) sensitive.push(attr.name);
      attributes[attr.name] = value;
      visible[attr.name] = isSensitiveValue ? new Sensitive(value as Value) : value as Value;
    }
    if (decl.mayConflict || nulls !== null) {
      this.checkSetArguments(decl, attributes, visible, description, nulls);
    }
    const defaults = shape.defaults;
    for (let i = 0; i < defaults.length; i++) {
      const [argName, value] = defaults[i];
      if (attributes[argName] === undefined) {
        attributes[argName] = value;
        visible[argName] = value as Value;
      }
    }
    if (type === "file" && typeof attributes.source === "string") {
      const source = this.readSourceFile(
        attributes.source,
        attrs.get("source")!,
        address,
        sensitive.includes("source"),
      );
      if (source !== null) {
        // Bytes that are not UTF-8 travel as base64 (Terraform's content_base64), never as text.
        const [name, value] = source.text !== undefined
          ? ["content", source.text]
          : ["content_base64", source.base64];
        attributes[name] = value;
        visible[name] = sensitive.includes("source") ? new Sensitive(value) : value;
        if (sensitive.includes("source")) sensitive.push(name);
      }
    }
    const aiFields: string[] = [];
    if (description !== null) {
      if (type === "file" && attributes.content === undefined && attributes.source === undefined) {
        aiFields.push("content");
      }
      if (type === "container" && attributes.image === undefined) aiFields.push("image");
      if (type === "task" && attributes.script === undefined) aiFields.push("script");
    }
    const filled = aiFields.length > 0 ? this.options.aiValues?.get(address) : undefined;
    for (let i = 0; i < aiFields.length; i++) {
      visible[aiFields[i]] = filled?.[aiFields[i]] ?? UNKNOWN;
    }
    const asserts: Assertion[] = [];
    for (let i = 0; i < assertBlocks.length; i++) {
      const built = this.buildAssert(assertBlocks[i], variables, scope, address, type, attributes);
      if (built) asserts.push(built);
    }
    sensitive.sort();
    const instance: ResourceInstance = {
      address,
      module: module.path,
      type,
      name,
      key,
      attributes,
      sensitiveAttributes: sensitive,
      dependsOn,
      host,
      timeoutMs,
      lifecycle,
      description,
      aiFields,
      asserts,
      moduleDir: scope.dir,
      range: block.range,
    };
    return { instance, visible };
  }

  typeError(attr: Attribute, detail: string, address: string): void {
    this.diags.push(error("CW2006", `Incorrect value type for "${attr.name}"`, attr.expr.range, {
      detail: `"${attr.name}": ${detail}`,
      address,
    }));
  }

  hostName(
    attr: Attribute,
    variables: ValueObject,
    scope: ModuleScope,
    address: string,
  ): string | null {
    const expr = attr.expr;
    let hostName: string | undefined;
    let secret = false;
    if (expr.kind === "GetAttr" && expr.object.kind === "Variable" && expr.object.name === "host") {
      hostName = expr.name;
    } else {
      const marked = unmark(this.evalExpr(expr, variables, scope));
      const v = marked.value;
      secret = marked.sensitive;
      if (isUnknown(v)) return null;
      if (typeof v !== "string") {
        this.typeError(
          attr,
          `expected a host name (string) or host.NAME, got ${describe(v)}`,
          address,
        );
        return null;
      }
      hostName = v;
    }
    if (!this.hosts.has(hostName)) {
      const shown = secret ? "(sensitive)" : `"${hostName}"`;
      this.diags.push(error("CW2026", `Unknown host ${shown}`, expr.range, {
        detail: `no host ${shown} is declared.${
          secret ? "" : didYouMean(hostName, this.hosts.keys())
        }`,
        address,
      }));
      return null;
    }
    return hostName;
  }

  /**
   * Exclusive and required-one-of arguments by value: an argument set to null
   * is not set (`content = var.src == null ? "x" : null` beside `source`).
   * Reported once per resource block, not once per instance.
   */
  checkSetArguments(
    decl: ResourceDecl,
    attributes: Record<string, unknown>,
    visible: ValueObject,
    description: string | null,
    nulls: readonly string[] | null,
  ): void {
    if (this.argumentsChecked.has(decl)) return;
    const address = decl.node.id;
    const isSet = (name: string) =>
      name === "description"
        ? description !== null
        : attributes[name] !== undefined || visible[name] === UNKNOWN;
    const { spec, attrs, type } = decl;
    for (const group of decl.mayConflict ? spec.exclusive : []) {
      const set = group.filter(isSet);
      if (set.length < 2) continue;
      this.argumentsChecked.add(decl);
      this.diags.push(error("CW2029", "Conflicting arguments", attrs.get(set[1])!.nameRange, {
        detail: `${
          set.map((p) => `"${p}"`).join(" and ")
        } cannot both be set on a ${type} resource`,
        address,
      }));
    }
    if (nulls === null) return;
    for (const group of spec.requiredOneOf) {
      // A group missing from the block altogether was reported with the block.
      if (group.some(isSet) || !group.some((g) => attrs.has(g))) continue;
      if (!group.every((g) => !attrs.has(g) || nulls.includes(g))) continue;
      this.argumentsChecked.add(decl);
      this.diags.push(error("CW2005", "Missing required argument", labelsRange(decl.block), {
        detail: `a ${type} resource needs ${
          group.length === 1 ? `"${group[0]}"` : `one of ${group.map((g) => `"${g}"`).join(", ")}`
        }, and null does not count as set`,
        address,
      }));
    }
  }

  /** `file:line:col` for notes, the path relative to the working directory as locations are shown. */
  fileLabel(range: Range, sources: Map<string, SourceFile>): string {
    const shown = displayPath(range.filename, this.options.cwd ?? this.rootDir);
    const file = sources.get(range.filename);
    if (!file) return shown;
    const p = file.position(range.start);
    return `${shown}:${p.line}:${p.column}`;
  }

  /**
   * A file resource's `source`, read once per path: its text when it is
   * UTF-8, else its bytes as base64.
   */
  readSourceFile(
    path: string,
    attr: Attribute,
    address: string,
    secret: boolean,
  ): SourceContent | null {
    if (!this.readSources.has(path)) {
      let kept: SourceContent | null = null;
      try {
        const bytes = Deno.readFileSync(path);
        const text = utf8Text(bytes);
        kept = text === undefined ? { base64: bytes.toBase64() } : { text };
      } catch {
        this.diags.push(error("CW2012", "Source file not found", attr.expr.range, {
          detail: `no readable file at ${
            secret ? "the (sensitive) path" : path
          } (relative paths resolve against the module directory)`,
          address,
        }));
      }
      this.readSources.set(path, kept);
    }
    return this.readSources.get(path) ?? null;
  }

  buildAssert(
    block: Block,
    variables: ValueObject,
    scope: ModuleScope,
    owner: string,
    ownerType: string | null,
    ownerAttributes: Record<string, unknown> | null,
  ): Assertion | undefined {
    if (block.labels.length !== 1) return undefined;
    const kind = block.labels[0].value as AssertKind;
    const spec = ASSERT_SPECS[kind];
    if (!spec) return undefined;
    const args: Record<string, unknown> = {};
    let ok = true;
    for (const item of block.body.items) {
      if (item.kind !== "Attribute") continue;
      const argSpec = spec.args[item.name];
      if (!argSpec) continue;
      const raw = this.evalExpr(item.expr, variables, scope);
      if (isUnknown(raw)) continue;
      const c = convertValue(unmark(raw).value, argSpec.type);
      if ("error" in c) {
        this.typeError(item, c.error, owner);
        ok = false;
        continue;
      }
      if (c.value === null) continue;
      const problem = checkArgument(argSpec, c.value, unmark(raw).sensitive);
      if (problem) {
        this.diags.push(
          error("CW2006", `Invalid value for "${item.name}"`, item.expr.range, {
            detail: problem,
            address: owner,
          }),
        );
        ok = false;
        continue;
      }
      args[item.name] = argSpec.path && typeof c.value === "string" && !isAbsolute(c.value)
        ? resolve(scope.dir, c.value)
        : c.value;
    }
    const from = spec.fromOwner;
    if (
      from && args[from.arg] === undefined && ownerType !== null &&
      from.ownerTypes.includes(ownerType)
    ) {
      args[from.arg] = from.attribute === null ? owner : ownerAttributes?.[from.attribute];
    }
    for (const [name, argSpec] of Object.entries(spec.args)) {
      if (args[name] === undefined && argSpec.default !== undefined) args[name] = argSpec.default;
    }
    for (const group of spec.requiredOneOf) {
      if (group.some((g) => args[g] !== undefined)) continue;
      const attrPresent = block.body.items.some((i) =>
        i.kind === "Attribute" && group.includes(i.name)
      );
      if (attrPresent || this.syntaxErrorIn(block.range)) continue;
      this.diags.push(error("CW2005", "Missing required argument", labelsRange(block), {
        detail: `assert "${kind}" needs ${
          group.length === 1 ? `"${group[0]}"` : `one of ${group.map((g) => `"${g}"`).join(", ")}`
        }`,
        address: owner,
      }));
      ok = false;
    }
    for (const group of spec.exclusive ?? []) {
      const set = block.body.items.filter((i): i is Attribute =>
        i.kind === "Attribute" && group.includes(i.name)
      );
      if (set.length < 2) continue;
      this.diags.push(error("CW2029", "Conflicting arguments", set[1].nameRange, {
        detail: `${
          set.map((a) => `"${a.name}"`).join(" and ")
        } cannot both be set on assert "${kind}"`,
        address: owner,
      }));
      ok = false;
    }
    if (!ok) return undefined;
    return { kind, owner, ownerType, args, baseDir: scope.dir, range: block.range };
  }

  // ---------------------------------------------------------------- result

  finish(): LoadResult {
    const variables: Config["variables"] = {};
    for (const [name, node] of this.root.variables) {
      const value = (this.root.instances[0].ctx.var as ValueObject)[name];
      if (value === undefined) continue;
      variables[name] = { value: unmark(value).value, sensitive: node.decl.sensitive };
    }
    const digest = createHash("sha256");
    for (const part of [...this.fileDigestParts].sort()) digest.update(part);
    digest.update(canonicalJson(variables));
    for (const [path, kept] of [...this.readSources].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const body = kept === null ? "" : kept.text ?? `base64:${kept.base64}`;
      digest.update(`${path}\0${kept?.text === undefined ? "b" : "t"}${body}\0`);
    }
    const hosts = [...this.hosts.values()].flatMap((h) => (h.host ? [h.host] : []));
    hosts.sort((a, b) => (a.name < b.name ? -1 : 1));
    this.outputs.sort((a, b) => (a.name < b.name ? -1 : 1));
    this.checks.sort((a, b) => compareAddresses(a.name, b.name));
    const config: Config = {
      format_version: "1",
      rootDir: this.rootDir,
      files: [...this.files].sort(),
      digest: digest.digest("hex"),
      settings: this.settings,
      variables,
      resources: sortAddresses(this.resources, (r) => r.address),
      hosts,
      outputs: this.outputs,
      checks: this.checks,
    };
    return { config, diagnostics: orderDiagnostics(this.diags), sources: this.sources };
  }
}

/**
 * A body's attributes by name, in order. Most bodies have a handful, which a
 * list finds faster than a Map is built; a long one (a big locals block)
 * gets an index.
 */
class AttributeTable {
  readonly list: Attribute[];
  readonly index: Map<string, Attribute> | undefined;

  constructor(list: Attribute[], index: Map<string, Attribute> | undefined) {
    this.list = list;
    this.index = index;
  }

  get(name: string): Attribute | undefined {
    if (this.index !== undefined) return this.index.get(name);
    const list = this.list;
    for (let i = 0; i < list.length; i++) if (list[i].name === name) return list[i];
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  values(): readonly Attribute[] {
    return this.list;
  }

  keys(): string[] {
    return this.list.map((a) => a.name);
  }
}

/** Where a name was looked for, in messages: "" in the root module. */
function whereIn(scope: ModuleScope): string {
  return scope.path.length ? ` in module.${scope.path.join(".module.")}` : "";
}

const NO_NODES: readonly Node[] = Object.freeze([]);
/** collectResourceDeps's working list; it never re-enters. */
const scratchNodes: Node[] = [];

/**
 * `list` with `node` appended. Most nodes have one to three edges each way:
 * those lists are rebuilt at their exact size, since a list grown by push
 * holds 17 slots and lives as long as the graph.
 */
function withNode(list: Node[], node: Node): Node[] {
  switch (list.length) {
    case 0:
      return [node];
    case 1:
      return [list[0], node];
    case 2:
      return [list[0], list[1], node];
    default:
      list.push(node);
      return list;
  }
}

/** Appends `node` unless present; returns the index over `list`, made once the list is long. */
function addUnique(list: Node[], seen: Set<Node> | undefined, node: Node): Set<Node> | undefined {
  if (seen) {
    if (seen.has(node)) return seen;
    seen.add(node);
  } else {
    if (list.includes(node)) return seen;
    if (list.length >= 16) seen = new Set(list).add(node);
  }
  list.push(node);
  return seen;
}

/** `ctx` with `count.index` (a number key) or `each.key` and `each.value` (a string key) added. */
function withRepetition(
  ctx: ValueObject,
  key: string | number,
  each: Value | undefined,
): ValueObject {
  const variables: ValueObject = Object.assign(Object.create(null), ctx);
  if (typeof key === "number") {
    const count: ValueObject = Object.create(null);
    count.index = key;
    variables.count = count;
  } else {
    const value: ValueObject = Object.create(null);
    value.key = key;
    value.value = each ?? null;
    variables.each = value;
  }
  return variables;
}

const NO_SCOPED: ReadonlyMap<Node, ModuleScope> = new Map();

/** The deepest module that contains both. */
function commonScope(a: ModuleScope, b: ModuleScope): ModuleScope {
  while (a.path.length > b.path.length) a = a.parent!;
  while (b.path.length > a.path.length) b = b.parent!;
  while (a !== b) {
    a = a.parent!;
    b = b.parent!;
  }
  return a;
}

/** Of two modules on one line of descent, the one nearer the root. */
function shallower(a: ModuleScope, b: ModuleScope): ModuleScope {
  return a.path.length <= b.path.length ? a : b;
}

/** The instance of `scope` (a module containing `module`'s) that `module` lies in. */
function enclosing(module: ModuleInstance, scope: ModuleScope): ModuleInstance {
  let instance = module;
  while (instance.scope !== scope) instance = instance.parent!;
  return instance;
}

/** A resource's instance addresses by the instance of `scope` they lie in, built once per scope. */
function instancesUnder(resource: Node, scope: ModuleScope): Map<ModuleInstance, string[]> {
  resource.instancesUnder ??= new Map();
  let byInstance = resource.instancesUnder.get(scope);
  if (byInstance) return byInstance;
  byInstance = new Map();
  for (const [module, addresses] of resource.instancesIn ?? []) {
    const key = enclosing(module, scope);
    const list = byInstance.get(key);
    if (list) list.push(...addresses);
    else byInstance.set(key, [...addresses]);
  }
  resource.instancesUnder.set(scope, byInstance);
  return byInstance;
}

/** Sorted instance addresses of resource nodes (a dependency list). */
function instanceAddresses(nodes: readonly Node[] | undefined): string[] {
  if (!nodes || nodes.length === 0) return [];
  if (nodes.length === 1) {
    const list = nodes[0].instances ?? [];
    return list.length < 2 ? list.slice() : sortAddresses(list, (a) => a);
  }
  const all = new Set<string>();
  for (const r of nodes) for (const a of r.instances ?? []) all.add(a);
  return sortAddresses([...all], (a) => a);
}

/**
 * The prototype of resource instance values: empty and itself without a
 * prototype, so lookups see only own attributes, exactly as on an
 * Object.create(null) object. An object made with a null prototype starts in
 * V8's slow dictionary mode; one made from a shared prototype is a fast
 * object whose shape every instance of a type shares.
 */
const INSTANCE_VALUE_PROTOTYPE: object = Object.freeze(Object.create(null));

interface TypeShape {
  /** Argument names. */
  readonly names: string[];
  readonly defaults: [string, unknown][];
  /** Argument names and meta-arguments. */
  readonly allowed: string[];
  /** How an unsupported-argument message names the block. */
  readonly where: string;
  /** A bit per allowed argument, so one pass over a body finds which are present. */
  readonly bits: Map<string, number>;
  /** Bits of each requiredOneOf and exclusive group. */
  readonly requiredMasks: number[];
  readonly exclusiveMasks: number[];
}

const shapes = new Map<string, TypeShape>();

/** What every resource of a type shares, computed once. */
function typeShape(type: string, spec: ResourceTypeSpec): TypeShape {
  let shape = shapes.get(type);
  if (!shape) {
    const names = Object.keys(spec.args);
    shape = {
      names,
      defaults: Object.entries(spec.args).flatMap(([name, arg]) =>
        arg.default === undefined ? [] : [[name, arg.default] as [string, unknown]]
      ),
      allowed: [...names, ...META_ARGUMENTS],
      where: `a resource of type "${type}"`,
      bits: new Map(),
      requiredMasks: [],
      exclusiveMasks: [],
    };
    // One bit per allowed argument in a 32-bit mask; the schema table is ours, so a
    // violation is a programming error, caught by every test that loads this type.
    if (shape.allowed.length > 31) {
      throw new Error(`resource type ${type}: more than 31 arguments for the argument masks`);
    }
    shape.allowed.forEach((arg, i) => shape!.bits.set(arg, 1 << i));
    const mask = (group: readonly string[]) =>
      group.reduce((m, g) => {
        const bit = shape!.bits.get(g);
        if (bit === undefined) throw new Error(`resource type ${type}: "${g}" is not an argument`);
        return m | bit;
      }, 0);
    for (const group of spec.requiredOneOf) shape.requiredMasks.push(mask(group));
    for (const group of spec.exclusive) shape.exclusiveMasks.push(mask(group));
    shapes.set(type, shape);
  }
  return shape;
}

const LIST_FUNCTIONS = new Set([
  "chunklist",
  "compact",
  "concat",
  "distinct",
  "flatten",
  "formatlist",
  "keys",
  "range",
  "regexall",
  "reverse",
  "slice",
  "sort",
  "split",
  "tolist",
  "values",
]);

/**
 * Sets and lists are both arrays at run time, so a list is recognised by the
 * expression that built it; anything not certainly a list (toset(), a set-typed
 * variable, a resource attribute…) is given the benefit of the doubt.
 */
function producesList(expr: Expression, scope: ModuleScope): boolean {
  switch (expr.kind) {
    case "Parens":
      return producesList(expr.expr, scope);
    case "Tuple":
    case "Splat":
      return true;
    case "For":
      return expr.keyExpr === undefined;
    case "Call":
      return LIST_FUNCTIONS.has(expr.name);
    case "Conditional":
      return producesList(expr.then, scope) && producesList(expr.else, scope);
    case "GetAttr": {
      if (expr.object.kind !== "Variable" || expr.object.name !== "var") return false;
      const kind = scope.variables.get(expr.name)?.decl.type.kind;
      // An untyped variable holding an array holds a tuple, as in Terraform.
      return kind === "list" || kind === "tuple" || kind === "any";
    }
    default:
      return false;
  }
}

function describe(v: Value): string {
  const plain = unmark(v).value;
  if (plain === null) return "null";
  if (Array.isArray(plain)) return "list";
  if (typeof plain === "object") return isUnknown(plain) ? "unknown value" : "map";
  return typeof plain === "boolean" ? "bool" : typeof plain;
}

/** Sorted by file and position (those without a place last), duplicates removed. */
function orderDiagnostics(diags: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const unique: Diagnostic[] = [];
  for (const d of diags) {
    const key = `${d.code}\0${d.summary}\0${
      d.detail ?? ""
    }\0${d.subject?.filename}:${d.subject?.start}:${d.subject?.end}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(d);
  }
  const placed = unique.map((d, i) => ({ d, i }));
  placed.sort((a, b) => {
    const sa = a.d.subject;
    const sb = b.d.subject;
    if (!sa || !sb) return sa ? -1 : sb ? 1 : a.i - b.i;
    if (sa.filename !== sb.filename) return sa.filename < sb.filename ? -1 : 1;
    return sa.start - sb.start || a.i - b.i;
  });
  return placed.map((p) => p.d);
}
