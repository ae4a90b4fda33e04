import { deepStrictEqual as equal, match } from "node:assert/strict";
import { checkTargetAddress, makePlan } from "./mod.ts";

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
