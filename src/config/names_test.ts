import assert from "node:assert/strict";
import { addressSteps, compareAddresses, sortAddresses } from "./_names.ts";

Deno.test("sortAddresses: numeric indexes order as numbers", () => {
  const input = ['file.a["k"]', "file.a[10]", "file.a[2]", "directory.z", "file.a"];
  assert.deepEqual(sortAddresses(input, (a) => a), [
    "directory.z",
    "file.a",
    'file.a["k"]',
    "file.a[2]",
    "file.a[10]",
  ]);
});

Deno.test("sortAddresses: sorted input comes back as a new array in the same order", () => {
  const input = ["file.a[2]", "file.a[10]", "file.b"];
  const out = sortAddresses(input, (a) => a);
  assert.deepEqual(out, input);
  assert.notEqual(out, input, "callers may change the result without touching the input");
});

Deno.test("sortAddresses: items with the same address keep both, in a stable order", () => {
  const items = [{ a: "file.b", n: 1 }, { a: "file.a", n: 2 }, { a: "file.b", n: 3 }];
  assert.deepEqual(sortAddresses(items, (i) => i.a).map((i) => i.n), [2, 1, 3]);
});

Deno.test("compareAddresses agrees with sortAddresses", () => {
  assert.ok(compareAddresses("file.a[2]", "file.a[10]") < 0);
  assert.equal(compareAddresses("file.a", "file.a"), 0);
});

Deno.test("addressSteps: module and resource steps with their keys; quoted keys may hold dots", () => {
  assert.deepEqual(addressSteps('module.site["blue"].module.part[1].file.x[0]'), [
    { name: "module", key: null },
    { name: "site", key: "blue" },
    { name: "module", key: null },
    { name: "part", key: 1 },
    { name: "file", key: null },
    { name: "x", key: 0 },
  ]);
  assert.deepEqual(addressSteps('file.a["b.c]"]'), [
    { name: "file", key: null },
    { name: "a", key: "b.c]" },
  ]);
  for (const bad of ["", "file.", ".a", 'file.a["k]', "file.a[x]", "file.a[0]b"]) {
    assert.equal(addressSteps(bad), undefined, bad);
  }
});
