/**
 * `deno bench -A src/hcl/parser_bench.ts`: lex and parse generated files of
 * 1k and 10k blocks beside `JSON.parse` on their JSON twins. The full table
 * (all sizes, evaluation, HashiCorp's parser) comes from scripts/bench-hcl.ts.
 */
import { scan } from "./lexer.ts";
import { parse } from "./parser.ts";
import { toHcl2Json } from "./hcl2json.ts";
import { generateConfig } from "./_parse_gen.ts";

for (const blocks of [1_000, 10_000]) {
  const source = generateConfig(42, blocks);
  const twin = JSON.stringify(toHcl2Json(parse(source, "bench.cw").body, source));
  const group = `${blocks} blocks`;
  Deno.bench(`lex ${blocks} blocks`, { group }, () => {
    scan(source, false);
  });
  Deno.bench(`parse ${blocks} blocks`, { group, baseline: true }, () => {
    parse(source, "bench.cw");
  });
  Deno.bench(`JSON.parse twin of ${blocks} blocks`, { group }, () => {
    JSON.parse(twin);
  });
}
