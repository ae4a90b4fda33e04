/**
 * The parser's AST nodes: classes that satisfy the interfaces of ast.ts but
 * keep offsets as plain numbers and build a `Range` only when one is read. A
 * 10k-block file has about half a million nodes; a range object (or three)
 * per node used to more than double what the garbage collector had to copy,
 * while diagnostics and tools read ranges rarely.
 *
 * The classes are flat (no base class, no field initialisers: fields are
 * assigned in the constructor in one fixed order) because that is what V8
 * allocates fastest. The range getters live on the prototypes.
 * JSON.stringify of a node gives the plain-object form (ranges included,
 * offsets left out).
 */
import type {
  Attribute,
  BinaryExpr,
  BinaryOperator,
  Block,
  BlockLabel,
  Body,
  CallExpr,
  ConditionalExpr,
  Expression,
  ForExpr,
  GetAttrExpr,
  IndexExpr,
  LiteralExpr,
  ObjectExpr,
  ObjectItem,
  ParensExpr,
  SplatExpr,
  SplatItemExpr,
  TemplateExpr,
  TemplateInterpolation,
  TemplateLiteral,
  TemplatePart,
  TupleExpr,
  UnaryExpr,
  VariableExpr,
} from "./ast.ts";
import type { Range } from "./source.ts";

/** What every node class stores; parser code reads offsets through it. */
export interface Spanned {
  readonly filename: string;
  readonly start: number;
  readonly end: number;
}

/** Fields that only back the range getters. */
const OFFSETS = new Set(["filename", "start", "end", "nameEnd", "opStart"]);

function range(this: Spanned): Range {
  return { filename: this.filename, start: this.start, end: this.end };
}

/** The plain-object form: own fields minus offsets, plus every range getter. */
function toJSON(this: Spanned): Record<string, unknown> {
  const self = this as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const proto = Object.getPrototypeOf(this);
  for (const key of Object.keys(this)) if (!OFFSETS.has(key)) out[key] = self[key];
  for (const [key, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
    if (d.get !== undefined) out[key] = self[key];
  }
  return out;
}

/** Puts `range` and `toJSON` on a node class's prototype. */
function node(cls: { prototype: object }): void {
  const shared: PropertyDescriptorMap = { range: { get: range, configurable: true } };
  if (!Object.hasOwn(cls.prototype, "toJSON")) {
    shared.toJSON = { value: toJSON, configurable: true, writable: true };
  }
  Object.defineProperties(cls.prototype, shared);
}

export class BodyNode implements Body, Spanned {
  readonly kind: "Body";
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  readonly items: readonly (Attribute | Block)[];
  constructor(filename: string, start: number, end: number, items: readonly (Attribute | Block)[]) {
    this.kind = "Body";
    this.filename = filename;
    this.start = start;
    this.end = end;
    this.items = items;
  }
}
node(BodyNode);

/**
 * The name is the first token and its text exactly (no escapes), so it ends
 * `name.length` after the start: no field for it. Likewise for a block's type
 * and a traversal step's name; every field costs 8 bytes on half a million
 * nodes.
 */
export class AttributeNode implements Attribute, Spanned {
  readonly kind: "Attribute";
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  readonly name: string;
  readonly expr: Expression;
  constructor(filename: string, start: number, end: number, name: string, expr: Expression) {
    this.kind = "Attribute";
    this.filename = filename;
    this.start = start;
    this.end = end;
    this.name = name;
    this.expr = expr;
  }
  get nameRange(): Range {
    return { filename: this.filename, start: this.start, end: this.start + this.name.length };
  }
}
node(AttributeNode);

export class LabelNode implements BlockLabel, Spanned {
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  readonly value: string;
  readonly quoted: boolean;
  constructor(filename: string, start: number, end: number, value: string, quoted: boolean) {
    this.filename = filename;
    this.start = start;
    this.end = end;
    this.value = value;
    this.quoted = quoted;
  }
}
node(LabelNode);

/** Braces are one character each: the body's range gives both. */
export class BlockNode implements Block, Spanned {
  readonly kind: "Block";
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  readonly type: string;
  readonly labels: readonly BlockLabel[];
  readonly body: BodyNode;
  constructor(
    filename: string,
    start: number,
    end: number,
    type: string,
    labels: readonly BlockLabel[],
    body: BodyNode,
  ) {
    this.kind = "Block";
    this.filename = filename;
    this.start = start;
    this.end = end;
    this.type = type;
    this.labels = labels;
    this.body = body;
  }
  get typeRange(): Range {
    return { filename: this.filename, start: this.start, end: this.start + this.type.length };
  }
  get openBraceRange(): Range {
    const start = this.body.start;
    return { filename: this.filename, start, end: start + 1 };
  }
  get closeBraceRange(): Range {
    const end = this.body.end;
    return { filename: this.filename, start: end - 1, end };
  }
}
node(BlockNode);

export class LiteralNode implements LiteralExpr, Spanned {
  readonly kind: "Literal";
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  readonly value: null | boolean | number;
  readonly raw: string | undefined;
  constructor(
    filename: string,
    start: number,
    end: number,
    value: null | boolean | number,
    raw?: string,
  ) {
    this.kind = "Literal";
    this.filename = filename;
    this.start = start;
    this.end = end;
    this.value = value;
    this.raw = raw;
  }
}
node(LiteralNode);

export class TemplateNode implements TemplateExpr, Spanned {
  readonly kind: "Template";
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  readonly parts: readonly TemplatePart[];
  readonly heredoc: { readonly marker: string; readonly indented: boolean } | undefined;
  constructor(
    filename: string,
    start: number,
    end: number,
    parts: readonly TemplatePart[],
    heredoc?: { readonly marker: string; readonly indented: boolean },
  ) {
    this.kind = "Template";
    this.filename = filename;
    this.start = start;
    this.end = end;
    this.parts = parts;
    this.heredoc = heredoc;
  }
}
node(TemplateNode);

/**
 * A quoted string with no escapes and no sequences, the most common template:
 * it keeps the text and builds its one literal part only when `parts` is read
 * (the evaluator and reference collection never ask).
 */
export class PlainTemplateNode implements TemplateExpr, Spanned {
  readonly kind: "Template";
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  /** The string's text (the quotes excluded). */
  readonly value: string;
  #parts: readonly TemplatePart[] | undefined;
  constructor(filename: string, start: number, end: number, value: string) {
    this.kind = "Template";
    this.filename = filename;
    this.start = start;
    this.end = end;
    this.value = value;
    this.#parts = undefined;
  }
  get parts(): readonly TemplatePart[] {
    return this.#parts ??= this.value === ""
      ? []
      : [new TemplateLiteralNode(this.filename, this.start + 1, this.end - 1, this.value)];
  }
  toJSON(): Record<string, unknown> {
    return { kind: this.kind, parts: this.parts, range: this.range };
  }
}
node(PlainTemplateNode);

export class TemplateLiteralNode implements TemplateLiteral, Spanned {
  readonly kind: "TemplateLiteral";
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  readonly value: string;
  constructor(filename: string, start: number, end: number, value: string) {
    this.kind = "TemplateLiteral";
    this.filename = filename;
    this.start = start;
    this.end = end;
    this.value = value;
  }
}
node(TemplateLiteralNode);

export class InterpolationNode implements TemplateInterpolation, Spanned {
  readonly kind: "TemplateInterpolation";
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  readonly expr: Expression;
  constructor(filename: string, start: number, end: number, expr: Expression) {
    this.kind = "TemplateInterpolation";
    this.filename = filename;
    this.start = start;
    this.end = end;
    this.expr = expr;
  }
}
node(InterpolationNode);

export class VariableNode implements VariableExpr, Spanned {
  readonly kind: "Variable";
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  readonly name: string;
  constructor(filename: string, start: number, end: number, name: string) {
    this.kind = "Variable";
    this.filename = filename;
    this.start = start;
    this.end = end;
    this.name = name;
  }
}
node(VariableNode);

/** The name is the last token, so it ends where the node ends. */
export class GetAttrNode implements GetAttrExpr, Spanned {
  readonly kind: "GetAttr";
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  readonly object: Expression;
  readonly name: string;
  constructor(filename: string, start: number, end: number, object: Expression, name: string) {
    this.kind = "GetAttr";
    this.filename = filename;
    this.start = start;
    this.end = end;
    this.object = object;
    this.name = name;
  }
  get nameRange(): Range {
    return { filename: this.filename, start: this.end - this.name.length, end: this.end };
  }
}
node(GetAttrNode);

export class IndexNode implements IndexExpr, Spanned {
  readonly kind: "Index";
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  readonly object: Expression;
  readonly key: Expression;
  readonly legacy: boolean;
  constructor(
    filename: string,
    start: number,
    end: number,
    object: Expression,
    key: Expression,
    legacy: boolean,
  ) {
    this.kind = "Index";
    this.filename = filename;
    this.start = start;
    this.end = end;
    this.object = object;
    this.key = key;
    this.legacy = legacy;
  }
}
node(IndexNode);

export class SplatNode implements SplatExpr, Spanned {
  readonly kind: "Splat";
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  readonly source: Expression;
  readonly each: Expression;
  readonly style: "attr" | "full";
  constructor(
    filename: string,
    start: number,
    end: number,
    source: Expression,
    each: Expression,
    style: "attr" | "full",
  ) {
    this.kind = "Splat";
    this.filename = filename;
    this.start = start;
    this.end = end;
    this.source = source;
    this.each = each;
    this.style = style;
  }
}
node(SplatNode);

export class SplatItemNode implements SplatItemExpr, Spanned {
  readonly kind: "SplatItem";
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  constructor(filename: string, start: number, end: number) {
    this.kind = "SplatItem";
    this.filename = filename;
    this.start = start;
    this.end = end;
  }
}
node(SplatItemNode);

/** The name starts the call. */
export class CallNode implements CallExpr, Spanned {
  readonly kind: "Call";
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  readonly name: string;
  readonly nameEnd: number;
  readonly args: readonly Expression[];
  readonly expandFinal: boolean;
  constructor(
    filename: string,
    start: number,
    end: number,
    name: string,
    nameEnd: number,
    args: readonly Expression[],
    expandFinal: boolean,
  ) {
    this.kind = "Call";
    this.filename = filename;
    this.start = start;
    this.end = end;
    this.name = name;
    this.nameEnd = nameEnd;
    this.args = args;
    this.expandFinal = expandFinal;
  }
  get nameRange(): Range {
    return { filename: this.filename, start: this.start, end: this.nameEnd };
  }
}
node(CallNode);

export class ConditionalNode implements ConditionalExpr, Spanned {
  readonly kind: "Conditional";
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  readonly condition: Expression;
  readonly then: Expression;
  readonly else: Expression;
  constructor(
    filename: string,
    start: number,
    end: number,
    condition: Expression,
    then: Expression,
    otherwise: Expression,
  ) {
    this.kind = "Conditional";
    this.filename = filename;
    this.start = start;
    this.end = end;
    this.condition = condition;
    this.then = then;
    this.else = otherwise;
  }
}
node(ConditionalNode);

export class BinaryNode implements BinaryExpr, Spanned {
  readonly kind: "Binary";
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  readonly op: BinaryOperator;
  readonly left: Expression;
  readonly right: Expression;
  readonly opStart: number;
  constructor(
    filename: string,
    start: number,
    end: number,
    op: BinaryOperator,
    left: Expression,
    right: Expression,
    opStart: number,
  ) {
    this.kind = "Binary";
    this.filename = filename;
    this.start = start;
    this.end = end;
    this.op = op;
    this.left = left;
    this.right = right;
    this.opStart = opStart;
  }
  get opRange(): Range {
    return { filename: this.filename, start: this.opStart, end: this.opStart + this.op.length };
  }
}
node(BinaryNode);

export class UnaryNode implements UnaryExpr, Spanned {
  readonly kind: "Unary";
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  readonly op: "!" | "-";
  readonly operand: Expression;
  constructor(filename: string, start: number, end: number, op: "!" | "-", operand: Expression) {
    this.kind = "Unary";
    this.filename = filename;
    this.start = start;
    this.end = end;
    this.op = op;
    this.operand = operand;
  }
}
node(UnaryNode);

export class TupleNode implements TupleExpr, Spanned {
  readonly kind: "Tuple";
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  readonly items: readonly Expression[];
  constructor(filename: string, start: number, end: number, items: readonly Expression[]) {
    this.kind = "Tuple";
    this.filename = filename;
    this.start = start;
    this.end = end;
    this.items = items;
  }
}
node(TupleNode);

export class ObjectItemNode implements ObjectItem, Spanned {
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  readonly key: Expression;
  readonly keyIsIdentifier: boolean;
  readonly value: Expression;
  readonly separator: "=" | ":";
  constructor(
    filename: string,
    start: number,
    end: number,
    key: Expression,
    keyIsIdentifier: boolean,
    value: Expression,
    separator: "=" | ":",
  ) {
    this.filename = filename;
    this.start = start;
    this.end = end;
    this.key = key;
    this.keyIsIdentifier = keyIsIdentifier;
    this.value = value;
    this.separator = separator;
  }
}
node(ObjectItemNode);

export class ObjectNode implements ObjectExpr, Spanned {
  readonly kind: "Object";
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  readonly items: readonly ObjectItem[];
  constructor(filename: string, start: number, end: number, items: readonly ObjectItem[]) {
    this.kind = "Object";
    this.filename = filename;
    this.start = start;
    this.end = end;
    this.items = items;
  }
}
node(ObjectNode);

export class ForNode implements ForExpr, Spanned {
  readonly kind: "For";
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  readonly keyVar: string | undefined;
  readonly valueVar: string;
  readonly collection: Expression;
  readonly keyExpr: Expression | undefined;
  readonly valueExpr: Expression;
  readonly condition: Expression | undefined;
  readonly group: boolean;
  constructor(
    filename: string,
    start: number,
    end: number,
    keyVar: string | undefined,
    valueVar: string,
    collection: Expression,
    keyExpr: Expression | undefined,
    valueExpr: Expression,
    condition: Expression | undefined,
    group: boolean,
  ) {
    this.kind = "For";
    this.filename = filename;
    this.start = start;
    this.end = end;
    this.keyVar = keyVar;
    this.valueVar = valueVar;
    this.collection = collection;
    this.keyExpr = keyExpr;
    this.valueExpr = valueExpr;
    this.condition = condition;
    this.group = group;
  }
}
node(ForNode);

export class ParensNode implements ParensExpr, Spanned {
  readonly kind: "Parens";
  declare readonly range: Range;
  readonly filename: string;
  readonly start: number;
  readonly end: number;
  readonly expr: Expression;
  constructor(filename: string, start: number, end: number, expr: Expression) {
    this.kind = "Parens";
    this.filename = filename;
    this.start = start;
    this.end = end;
    this.expr = expr;
  }
}
node(ParensNode);
