/**
 * A sweep for sensitive values in diagnostics: every standard function is
 * called with every mix of sensitive and plain arguments (one to three of
 * them), and a list of expressions misuses sensitive values in every way the
 * evaluator reports; no diagnostic may quote a secret, or any part of one.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { evaluate } from "./eval.ts";
import { standardFunctions } from "./functions.ts";
import { parseExpression } from "./parser.ts";
import type { Diagnostic } from "./diagnostics.ts";
import { Sensitive, type Value } from "./value.ts";

/** Every secret holds this text (or is this number), so one search finds any part of one. */
const MARKER = "SECRET";
const SECRET_NUMBER = 987654321;
const o = (x: Record<string, Value>) => Object.assign(Object.create(null), x);

const dir = Deno.makeTempDirSync({ prefix: "cw-sensitive-" });
Deno.writeTextFileSync(`${dir}/t.tpl`, "${x + 1} ${x.nope} ${y[x]}");
Deno.writeTextFileSync(`${dir}/plain.tpl`, "ok");

const sensitiveValues: Record<string, Value> = {
  sString: new Sensitive("xSECRETx-9"),
  sNumberText: new Sensitive("12SECRET"),
  sNumber: new Sensitive(SECRET_NUMBER),
  sFraction: new Sensitive(9876.54321),
  sList: new Sensitive(["aSECRETa", "bSECRETb", null]),
  sMap: new Sensitive(o({ keySECRET: "valSECRET", other: [1] })),
  sJson: new Sensitive('{"SECRET": '),
  sRegex: new Sensitive("(SECRET"),
  sFormat: new Sensitive("%SECRET"),
  sPath: new Sensitive("no/SECRET/path"),
  sBase64: new Sensitive("SECRET!!"),
  sYaml: new Sensitive("a: 1\nSECRET: [\n"),
};
const plainValues: Record<string, Value> = {
  pString: "x",
  pNumber: 2,
  pBool: true,
  pNull: null,
  pList: [1, "a"],
  pMap: o({ a: 1 }),
  pFormat: "%d %s",
  pTemplate: "t.tpl",
  pTemplateVars: o({ x: new Sensitive("xSECRETx"), y: o({ a: 1 }) }),
  pHoldsSecret: [new Sensitive("inSECRETlist")],
};
const variables: Record<string, Value> = { ...sensitiveValues, ...plainValues };
const sensitiveNames = Object.keys(sensitiveValues);
const allNames = Object.keys(variables);

function leaks(d: Diagnostic): boolean {
  const text = [d.summary, d.detail ?? "", ...(d.notes ?? [])].join("\n");
  return text.includes(MARKER) || text.includes(String(SECRET_NUMBER)) ||
    text.includes("9876.5") || text.includes("98765");
}

function check(src: string): Diagnostic[] {
  const parsed = parseExpression(src, "sweep.cw");
  assertEquals(parsed.diagnostics, [], src);
  const result = evaluate(parsed.expr, { variables, baseDir: dir });
  for (const d of result.diagnostics) {
    assert(!leaks(d), `${src}: ${d.summary}: ${d.detail}`);
  }
  return result.diagnostics;
}

Deno.test("sweep: no function's error quotes a sensitive argument", () => {
  let calls = 0;
  let failures = 0;
  for (const name of Object.keys(standardFunctions)) {
    for (const a of allNames) {
      failures += check(`${name}(${a})`).length;
      calls++;
      for (const b of allNames) {
        if (!sensitiveNames.includes(a) && !sensitiveNames.includes(b)) continue;
        failures += check(`${name}(${a}, ${b})`).length;
        calls++;
      }
    }
    for (const secret of sensitiveNames) {
      for (const plain of ["pString", "pNumber", "pList", "pMap", "pFormat"]) {
        for (
          const args of [[secret, plain, plain], [plain, secret, plain], [plain, plain, secret]]
        ) {
          failures += check(`${name}(${args.join(", ")})`).length;
          calls++;
        }
      }
    }
    failures += check(`${name}(sList...)`).length;
  }
  // The sweep is worth something only if most calls fail.
  assert(calls > 10_000 && failures > calls / 2, `${failures} failures in ${calls} calls`);
});

Deno.test("sweep: no evaluation error quotes a sensitive value or a part of one", () => {
  const expressions = [
    `sMap.nope`,
    `sMap.keySECRE`,
    `sMap["keySECRE"]`,
    `sString.x`,
    `sList.x`,
    `sList[5]`,
    `sList[sNumber]`,
    `sList[sFraction]`,
    `sList[sString]`,
    `pList[sNumber]`,
    `pList[-sNumber]`,
    `pMap[sString]`,
    `pMap[sNumber]`,
    `pMap[sList]`,
    `sString[0]`,
    `sString + 1`,
    `1 - sNumberText`,
    `-sString`,
    `!sString`,
    `sString && true`,
    `sString ? 1 : 2`,
    `sNumber / 0`,
    `sNumber % 0`,
    `sNumber * 1e308 * 10`,
    `"a\${sList}"`,
    `"%{ if sString }x%{ endif }"`,
    `"%{ for x in sList }\${pMap[x]}%{ endfor }"`,
    `"%{ for k, v in sMap }\${pMap[k]}\${pMap[v]}%{ endfor }"`,
    `{ (sList) = 1 }`,
    `[for x in sList : pMap[x]]`,
    `[for x in sList : x + 1]`,
    `[for k, v in sMap : pMap[k]]`,
    `{for x in sList : x => 1}`,
    `{for x in concat(sList, sList) : x => 1}`,
    `{for x in [sString, sString] : x => 1}`,
    `[for x in sList : x if x]`,
    `sList[*].name`,
    `[for x in sList[*] : pMap[x]]`,
    `pHoldsSecret[0] + 1`,
    `pMap[pHoldsSecret[0]]`,
    `try(pMap[sString], sString + 1)`,
    `max(sList...)`,
    `upper(sMap...)`,
    `templatefile(pTemplate, pTemplateVars)`,
    `templatefile(pTemplate, { x = sString, y = pMap })`,
    `templatefile(pTemplate, sMap)`,
    `lookup(sMap, "keySECRE")`,
    `pMap[upper(sString)]`,
    `pMap["\${sString}"]`,
  ];
  const accepted = expressions.filter((src) => check(src).length === 0);
  assertEquals(accepted, [], "every expression must fail");
});

Deno.test("a sensitive argument's failure still says what went wrong where it can", () => {
  const [tonumber] = check(`tonumber(sString)`);
  assertEquals(tonumber.summary, "Invalid function argument");
  assertEquals(
    tonumber.detail,
    "cannot convert this sensitive string to number: a number is required",
  );
  const [index] = check(`pMap[sString]`);
  assertEquals(
    index.detail,
    "The given key does not identify an element in this collection value: there is no element with the given sensitive key.",
  );
  const [operand] = check(`sString + 1`);
  assertEquals(
    operand.detail,
    "Unsuitable value for left operand: a number is required, got a sensitive string.",
  );
  const [template] = check(`templatefile(pTemplate, pTemplateVars)`);
  assertEquals(
    template.detail,
    'Call to function "templatefile" failed: t.tpl:1:3: Invalid operand; Unsuitable value for left operand: a number is required, got a sensitive string.',
  );
  const [format] = check(`format(sFormat, 1)`);
  assertEquals(
    format.detail,
    "the reason is not shown because it could reveal a sensitive argument",
  );
});
