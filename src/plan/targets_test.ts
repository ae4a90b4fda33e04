import { deepStrictEqual as equal, match } from "node:assert/strict";
import { baseAddress, checkTargetAddress, makePlan, matchesTarget } from "./mod.ts";

Deno.test("--target: malformed addresses are errors naming the accepted forms", () => {
  for (const bad of ["file.a[", "file", "file.a.b", "file.a[x]", "", "module.m.", 'file.a["k]']) {
    const d = checkTargetAddress(bad);
    equal(d?.severity, "error", bad);
    equal(d?.code, "CW3007");
    match(d!.summary, /Invalid target address/);
    match(d!.detail!, /TYPE\.NAME, TYPE\.NAME\[0\], TYPE\.NAME\["key"\] or module\.M\.TYPE\.NAME/);
  }
  for (
    const good of ["file.a", "file.a[0]", 'file.a["k"]', "module.m", "module.m.file.a", "check.c"]
  ) {
    equal(checkTargetAddress(good), undefined, good);
  }
});

Deno.test("--target: makePlan errors on a malformed target and only warns on one that matches nothing", () => {
  const bad = makePlan(null, null, { targets: ["file.a["] }).diagnostics;
  equal(bad.map((d) => [d.severity, d.code]), [["error", "CW3007"]]);
  const unmatched = makePlan(null, null, { targets: ["file.zzz"] }).diagnostics;
  equal(unmatched.map((d) => [d.severity, d.code]), [["warning", "CW3002"]]);
});

Deno.test("--target: module instances; a step without a key selects every instance", () => {
  const blue = 'module.site["blue"].file.index';
  const green = 'module.site["green"].file.index';
  const worker = "module.worker[1].file.x[0]";
  const nested = 'module.a["x.y"].module.b[1].file.y';
  const cases: [string, string[]][] = [
    ["module.site", [blue, green]],
    ['module.site["blue"]', [blue]],
    ['module.site["blue"].file.index', [blue]],
    ["module.site.file.index", [blue, green]],
    ["module.worker", [worker]],
    ["module.worker[1]", [worker]],
    ["module.worker[0]", []],
    ["module.worker[1].file.x", [worker]],
    ["module.worker.file.x[0]", [worker]],
    ["module.a.module.b", [nested]],
    ['module.a["x.y"].module.b[1]', [nested]],
    ['module.a["x"]', []],
    ["module.si", []],
    ["module.site.file.inde", []],
  ];
  for (const [target, expected] of cases) {
    equal(checkTargetAddress(target), undefined, target);
    const hits = [blue, green, worker, nested].filter((a) => matchesTarget(a, target));
    equal(hits, expected, target);
  }
  equal(baseAddress('module.site["b.c"].file.x[0]'), 'module.site["b.c"].file.x');
  equal(baseAddress('module.site["blue"].file.x'), 'module.site["blue"].file.x');
  equal(baseAddress('file.x["k"]'), "file.x");
});
