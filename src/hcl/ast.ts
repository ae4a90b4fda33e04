/**
 * The HCL native-syntax AST. Every node carries a `range` into its file
 * (see source.ts for what offsets mean). The parser's nodes are classes
 * (_nodes.ts) whose ranges are getters that allocate on each read; nodes
 * built by hand may be plain objects.
 */
import type { Range } from "./source.ts";

export interface Body {
  readonly kind: "Body";
  /** Attributes and blocks in source order. */
  readonly items: readonly (Attribute | Block)[];
  readonly range: Range;
}

export interface Attribute {
  readonly kind: "Attribute";
  readonly name: string;
  readonly nameRange: Range;
  readonly expr: Expression;
  /** From the name to the end of the expression. */
  readonly range: Range;
}

export interface BlockLabel {
  readonly value: string;
  /** `"web"` is quoted; `web` (an identifier label) is not. */
  readonly quoted: boolean;
  readonly range: Range;
}

export interface Block {
  readonly kind: "Block";
  readonly type: string;
  readonly typeRange: Range;
  readonly labels: readonly BlockLabel[];
  readonly body: Body;
  readonly openBraceRange: Range;
  readonly closeBraceRange: Range;
  /** From the type name to the closing brace. */
  readonly range: Range;
}

export type Expression =
  | LiteralExpr
  | TemplateExpr
  | VariableExpr
  | GetAttrExpr
  | IndexExpr
  | SplatExpr
  | SplatItemExpr
  | CallExpr
  | ConditionalExpr
  | BinaryExpr
  | UnaryExpr
  | TupleExpr
  | ObjectExpr
  | ForExpr
  | ParensExpr;

/** `null`, `true`, `false` and numbers. Quoted strings are TemplateExpr. */
export interface LiteralExpr {
  readonly kind: "Literal";
  readonly value: null | boolean | number;
  /** The number exactly as written (`1e3`, `0.10`), for formatting and hcl2json. */
  readonly raw?: string;
  readonly range: Range;
}

/**
 * A quoted string or heredoc. Strip markers (`~`) are applied by the parser to
 * the neighbouring literal parts, so `parts` already holds the final literal
 * text; escapes are decoded.
 */
export interface TemplateExpr {
  readonly kind: "Template";
  readonly parts: readonly TemplatePart[];
  readonly heredoc?: { readonly marker: string; readonly indented: boolean };
  readonly range: Range;
}

export type TemplatePart = TemplateLiteral | TemplateInterpolation | TemplateIf | TemplateFor;

export interface TemplateLiteral {
  readonly kind: "TemplateLiteral";
  readonly value: string;
  readonly range: Range;
}

/** `${expr}` */
export interface TemplateInterpolation {
  readonly kind: "TemplateInterpolation";
  readonly expr: Expression;
  readonly range: Range;
}

/** `%{ if cond }…%{ else }…%{ endif }` */
export interface TemplateIf {
  readonly kind: "TemplateIf";
  readonly condition: Expression;
  readonly then: readonly TemplatePart[];
  readonly else?: readonly TemplatePart[];
  readonly range: Range;
}

/** `%{ for k, v in coll }…%{ endfor }` */
export interface TemplateFor {
  readonly kind: "TemplateFor";
  readonly keyVar?: string;
  readonly valueVar: string;
  readonly collection: Expression;
  readonly body: readonly TemplatePart[];
  readonly range: Range;
}

/** A root name: `var`, `local`, `each`, `file`, a for-expression symbol… */
export interface VariableExpr {
  readonly kind: "Variable";
  readonly name: string;
  readonly range: Range;
}

/** `object.name`, including legacy index form `.0` which is IndexExpr with legacy=true. */
export interface GetAttrExpr {
  readonly kind: "GetAttr";
  readonly object: Expression;
  readonly name: string;
  readonly nameRange: Range;
  readonly range: Range;
}

export interface IndexExpr {
  readonly kind: "Index";
  readonly object: Expression;
  readonly key: Expression;
  /** Written as `.0` rather than `[0]`. */
  readonly legacy: boolean;
  readonly range: Range;
}

/**
 * `source.*.a.b` (attr style) or `source[*].a[0]` (full style): `each` is the
 * traversal applied to every element, rooted at a SplatItemExpr.
 */
export interface SplatExpr {
  readonly kind: "Splat";
  readonly source: Expression;
  readonly each: Expression;
  readonly style: "attr" | "full";
  readonly range: Range;
}

/** The element placeholder inside SplatExpr.each. */
export interface SplatItemExpr {
  readonly kind: "SplatItem";
  readonly range: Range;
}

export interface CallExpr {
  readonly kind: "Call";
  /** Full name, `provider::ns::fn` included. */
  readonly name: string;
  readonly nameRange: Range;
  readonly args: readonly Expression[];
  /** The final argument is followed by `...`. */
  readonly expandFinal: boolean;
  readonly range: Range;
}

export interface ConditionalExpr {
  readonly kind: "Conditional";
  readonly condition: Expression;
  readonly then: Expression;
  readonly else: Expression;
  readonly range: Range;
}

export type BinaryOperator =
  | "||"
  | "&&"
  | "=="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "+"
  | "-"
  | "*"
  | "/"
  | "%";

export interface BinaryExpr {
  readonly kind: "Binary";
  readonly op: BinaryOperator;
  readonly left: Expression;
  readonly right: Expression;
  readonly opRange: Range;
  readonly range: Range;
}

export interface UnaryExpr {
  readonly kind: "Unary";
  readonly op: "!" | "-";
  readonly operand: Expression;
  readonly range: Range;
}

export interface TupleExpr {
  readonly kind: "Tuple";
  readonly items: readonly Expression[];
  readonly range: Range;
}

export interface ObjectItem {
  /**
   * The key. A bare identifier key (`name = 1`) is a VariableExpr that the
   * evaluator reads as the string "name" (`keyIsIdentifier`); `(name) = 1`
   * is ParensExpr and evaluates the variable.
   */
  readonly key: Expression;
  readonly keyIsIdentifier: boolean;
  readonly value: Expression;
  /** `=` or `:` as written. */
  readonly separator: "=" | ":";
  readonly range: Range;
}

export interface ObjectExpr {
  readonly kind: "Object";
  readonly items: readonly ObjectItem[];
  readonly range: Range;
}

/** `[for k, v in coll : expr if cond]` and `{for k, v in coll : key => value... if cond}` */
export interface ForExpr {
  readonly kind: "For";
  readonly keyVar?: string;
  readonly valueVar: string;
  readonly collection: Expression;
  /** Present for the object form. */
  readonly keyExpr?: Expression;
  readonly valueExpr: Expression;
  readonly condition?: Expression;
  /** `...` after the value in the object form. */
  readonly group: boolean;
  readonly range: Range;
}

export interface ParensExpr {
  readonly kind: "Parens";
  readonly expr: Expression;
  readonly range: Range;
}
