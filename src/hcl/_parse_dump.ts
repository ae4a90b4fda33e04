/**
 * A stable, readable dump of an AST with `line:col-line:col` spans, used by
 * the golden tests and for debugging the parser.
 */
import type { Body, Expression, TemplatePart } from "./ast.ts";
import { type Range, SourceFile } from "./source.ts";

export function dumpBody(body: Body, source: string): string {
  const file = new SourceFile(body.range.filename, source);
  const span = (r: Range) => {
    const a = file.position(r.start);
    const b = file.position(r.end);
    return `${a.line}:${a.column}-${b.line}:${b.column}`;
  };
  const out: string[] = [];
  const line = (depth: number, text: string) => out.push("  ".repeat(depth) + text);

  const body_ = (b: Body, d: number) => {
    for (const item of b.items) {
      if (item.kind === "Attribute") {
        line(d, `Attribute ${item.name} @${span(item.range)}`);
        expr(item.expr, d + 1);
      } else {
        const labels = item.labels.map((l) => (l.quoted ? JSON.stringify(l.value) : l.value));
        line(d, `Block ${[item.type, ...labels].join(" ")} @${span(item.range)}`);
        body_(item.body, d + 1);
      }
    }
  };

  const parts = (ps: readonly TemplatePart[], d: number) => {
    for (const p of ps) {
      switch (p.kind) {
        case "TemplateLiteral":
          line(d, `Lit ${JSON.stringify(p.value)} @${span(p.range)}`);
          break;
        case "TemplateInterpolation":
          line(d, `Interp @${span(p.range)}`);
          expr(p.expr, d + 1);
          break;
        case "TemplateIf":
          line(d, `If @${span(p.range)}`);
          expr(p.condition, d + 1);
          line(d + 1, "then:");
          parts(p.then, d + 2);
          if (p.else) {
            line(d + 1, "else:");
            parts(p.else, d + 2);
          }
          break;
        case "TemplateFor":
          line(d, `For ${p.keyVar ? p.keyVar + ", " : ""}${p.valueVar} @${span(p.range)}`);
          expr(p.collection, d + 1);
          line(d + 1, "body:");
          parts(p.body, d + 2);
          break;
      }
    }
  };

  const expr = (e: Expression, d: number): void => {
    const at = `@${span(e.range)}`;
    switch (e.kind) {
      case "Literal":
        return void line(d, `Literal ${e.raw ?? JSON.stringify(e.value)} ${at}`);
      case "Template":
        line(
          d,
          `Template${
            e.heredoc ? ` heredoc ${e.heredoc.indented ? "<<-" : "<<"}${e.heredoc.marker}` : ""
          } ${at}`,
        );
        return parts(e.parts, d + 1);
      case "Variable":
        return void line(d, `Variable ${e.name} ${at}`);
      case "GetAttr":
        line(d, `GetAttr .${e.name} ${at}`);
        return expr(e.object, d + 1);
      case "Index":
        line(d, `Index${e.legacy ? " legacy" : ""} ${at}`);
        expr(e.object, d + 1);
        return expr(e.key, d + 1);
      case "Splat":
        line(d, `Splat ${e.style} ${at}`);
        expr(e.source, d + 1);
        return expr(e.each, d + 1);
      case "SplatItem":
        return void line(d, `SplatItem ${at}`);
      case "Call":
        line(d, `Call ${e.name}${e.expandFinal ? " expand" : ""} ${at}`);
        for (const a of e.args) expr(a, d + 1);
        return;
      case "Conditional":
        line(d, `Conditional ${at}`);
        expr(e.condition, d + 1);
        expr(e.then, d + 1);
        return expr(e.else, d + 1);
      case "Binary":
        line(d, `Binary ${e.op} ${at}`);
        expr(e.left, d + 1);
        return expr(e.right, d + 1);
      case "Unary":
        line(d, `Unary ${e.op} ${at}`);
        return expr(e.operand, d + 1);
      case "Tuple":
        line(d, `Tuple ${at}`);
        for (const i of e.items) expr(i, d + 1);
        return;
      case "Object":
        line(d, `Object ${at}`);
        for (const i of e.items) {
          line(
            d + 1,
            `Item ${i.separator}${i.keyIsIdentifier ? " ident-key" : ""} @${span(i.range)}`,
          );
          expr(i.key, d + 2);
          expr(i.value, d + 2);
        }
        return;
      case "For":
        line(
          d,
          `For ${e.keyExpr ? "object" : "tuple"} ${e.keyVar ? e.keyVar + ", " : ""}${e.valueVar}${
            e.group ? " group" : ""
          } ${at}`,
        );
        expr(e.collection, d + 1);
        if (e.keyExpr) expr(e.keyExpr, d + 1);
        expr(e.valueExpr, d + 1);
        if (e.condition) {
          line(d + 1, "if:");
          expr(e.condition, d + 2);
        }
        return;
      case "Parens":
        line(d, `Parens ${at}`);
        return expr(e.expr, d + 1);
    }
  };

  body_(body, 0);
  return out.join("\n") + "\n";
}
