import assert from "node:assert/strict";
import { parse } from "./parser.ts";
import { convertToHcl2Json, plainDecimal, toHcl2Json } from "./hcl2json.ts";

function json(src: string): unknown {
  const r = parse(src, "t.hcl");
  assert.deepEqual(r.diagnostics, []);
  return toHcl2Json(r.body, src);
}

Deno.test("hcl2json: blocks nest by type and labels into arrays of bodies, keys sorted", () => {
  const out = json('b "x" "y" {\n  c = 1\n}\nb "x" "z" {\n}\na {\n}\nz = 1\n');
  assert.equal(JSON.stringify(out), '{"a":[{}],"b":{"x":{"y":[{"c":1}],"z":[{}]}},"z":1}');
});

Deno.test("hcl2json: literals, folded negation, templates and wrapped expressions", () => {
  assert.deepEqual(json('a = -1\nb = !true\nc = "x${y}$${z}"\nd = 1 + 2\ne = "${1}"\n'), {
    a: -1,
    b: false,
    c: "x${y}$${z}",
    d: "${1 + 2}",
    e: 1,
  });
  assert.deepEqual(json('a = "%{ if x ~} y %{~ else }n%{ endif }"\n'), {
    a: "%{if x}y%{else}n%{endif}",
  });
});

Deno.test("hcl2json: conversion errors the tool reports", () => {
  for (const src of ["a = !null\n", 'b "x" {\n}\nb {\n}\n']) {
    const r = parse(src, "t.hcl");
    assert.equal(convertToHcl2Json(r.body, src).diagnostics.length, 1, src);
  }
});

Deno.test("hcl2json: numbers interpolated into text are exact plain decimals", () => {
  assert.equal(plainDecimal("1.50"), "1.5");
  assert.equal(plainDecimal("1e3"), "1000");
  assert.equal(plainDecimal("007"), "7");
  assert.equal(plainDecimal("0.000001"), "0.000001");
  assert.equal(plainDecimal("1.5e-7"), "0.00000015");
  assert.equal(plainDecimal("123456789012345678901"), "123456789012345678901");
  assert.equal(plainDecimal("0"), "0");
  assert.equal(plainDecimal("0.0"), "0");
});
