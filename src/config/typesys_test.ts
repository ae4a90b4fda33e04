import { deepEqual, equal, ok } from "node:assert/strict";
import {
  type Diagnostic,
  evaluate,
  type Expression,
  isSensitive,
  parseExpression,
  Sensitive,
  UNKNOWN,
  type Value,
} from "../hcl/mod.ts";
import { convertValue, type HclType, parseTypeExpr, typeToString } from "./_typesys.ts";
import { satisfiesVersion } from "./_version.ts";
import { compareAddresses, didYouMean } from "./_names.ts";

const STRING: HclType = { kind: "string" };
const NUMBER: HclType = { kind: "number" };
const obj = (o: Record<string, Value>) => Object.assign(Object.create(null), o);

function converted(value: Value, type: HclType): Value {
  const r = convertValue(value, type);
  if ("error" in r) throw new Error(r.error);
  return r.value;
}

function failure(value: Value, type: HclType): string {
  const r = convertValue(value, type);
  ok("error" in r, `expected ${JSON.stringify(value)} not to convert to ${typeToString(type)}`);
  return r.error;
}

Deno.test("primitive conversions follow HCL", () => {
  equal(converted(8080, STRING), "8080");
  equal(converted(true, STRING), "true");
  equal(converted("42", NUMBER), 42);
  equal(converted("true", { kind: "bool" }), true);
  equal(failure("eighty", NUMBER), "number required, but got string");
  equal(failure([1], STRING), "string required, but got tuple");
  equal(converted(null, NUMBER), null);
  equal(converted(UNKNOWN, NUMBER), UNKNOWN);
});

Deno.test("collections: lists, sets (deduplicated, sorted), maps, tuples", () => {
  deepEqual(converted([1, 2], { kind: "list", element: STRING }), ["1", "2"]);
  deepEqual(converted(["b", "a", "b"], { kind: "set", element: STRING }), ["a", "b"]);
  deepEqual({ ...(converted(obj({ a: 1 }), { kind: "map", element: STRING }) as object) }, {
    a: "1",
  });
  equal(
    failure(["a"], { kind: "tuple", elements: [STRING, NUMBER] }),
    "tuple of 2 elements required, but got 1",
  );
  equal(failure(["x"], { kind: "list", element: NUMBER }), "[0]: number required, but got string");
});

Deno.test("objects: required, optional with defaults, attributes the type does not name", () => {
  const type: HclType = {
    kind: "object",
    attributes: {
      port: { type: NUMBER, optional: false },
      tls: { type: { kind: "bool" }, optional: true, default: false },
      name: { type: STRING, optional: true },
    },
  };
  deepEqual({ ...(converted(obj({ port: "81" }), type) as object) }, {
    port: 81,
    tls: false,
    name: null,
  });
  equal(failure(obj({ tls: true }), type), 'attribute "port" is required');
  // Dropped, as Terraform's conversion drops them.
  deepEqual({ ...(converted(obj({ port: 1, extra: 2 }), type) as object) }, {
    port: 1,
    tls: false,
    name: null,
  });
  equal(
    typeToString(type),
    "object({port = number, tls = optional(bool, false), name = optional(string)})",
  );
});

/** The type a constraint's source text reads as, and the diagnostics reading it gave. */
function readType(text: string): { type: string; diags: Diagnostic[] } {
  const diags: Diagnostic[] = [];
  const constant = (e: Expression) => evaluate(e, { variables: Object.create(null) }).value;
  const parsed = parseTypeExpr(parseExpression(text, "t.cw").expr, constant, diags);
  return { type: typeToString("kind" in parsed ? parsed : parsed.type), diags };
}

Deno.test("a type shows optional attributes' defaults", () => {
  const o = (text: string) => readType(text).type;
  equal(o(`object({a = optional(number, 5)})`), "object({a = optional(number, 5)})");
  equal(
    o(`object({a = optional(list(string), ["x"]), b = optional(map(number), { k = 1 })})`),
    'object({a = optional(list(string), ["x"]), b = optional(map(number), { k = 1 })})',
  );
  equal(o(`object({a = optional(string, "$\${x}")})`), 'object({a = optional(string, "$${x}")})');
});

Deno.test("quoted types (Terraform 0.11) are an error that says to remove the quotes", () => {
  for (
    const [text, meant] of [[`"string"`, "string"], [`"list"`, "list(string)"], [
      `"map"`,
      "map(string)",
    ]]
  ) {
    const { type, diags } = readType(text);
    equal(type, meant, "the type meant, so its uses are not reported as well");
    deepEqual(diags.map((d) => [d.code, d.summary]), [[
      "CW2017",
      "Invalid quoted type constraints",
    ]]);
    ok(diags[0].detail?.includes(`remove the quotes around ${text}`), diags[0].detail);
  }
  ok(readType(`"list"`).diags[0].detail?.includes("write list(string)"));
  deepEqual(readType(`list(string)`).diags, []);
});

Deno.test("conversion errors never quote a key of a sensitive map", () => {
  const secretMap = new Sensitive(obj({ "key-SECRET": "x" }));
  const message = failure(secretMap, { kind: "map", element: NUMBER });
  ok(!message.includes("SECRET"), message);
  equal(message, "[(sensitive)]: number required, but got string");
  equal(
    failure(obj({ plain: "x" }), { kind: "map", element: NUMBER }),
    '["plain"]: number required, but got string',
  );
  const secretList = new Sensitive(["a", "b", "c"]);
  const tuple: HclType = { kind: "tuple", elements: [STRING] };
  ok(!failure(secretList, tuple).includes("3"), failure(secretList, tuple));
});

Deno.test("sensitive values stay sensitive through conversion", () => {
  const v = converted(new Sensitive(5), STRING);
  ok(isSensitive(v));
  equal((v as Sensitive).value, "5");
});

Deno.test("required_version constraints", () => {
  equal(satisfiesVersion("0.1.0", ">= 0.1"), true);
  equal(satisfiesVersion("0.1.0", ">= 0.1, < 1.0"), true);
  equal(satisfiesVersion("0.1.0", "> 0.1.0"), false);
  equal(satisfiesVersion("1.4.2", "~> 1.2"), true);
  equal(satisfiesVersion("2.0.0", "~> 1.2"), false);
  equal(satisfiesVersion("1.2.9", "~> 1.2.3"), true);
  equal(satisfiesVersion("1.3.0", "~> 1.2.3"), false);
  equal(satisfiesVersion("0.1.0", "!= 0.1.0"), false);
  equal(typeof satisfiesVersion("0.1.0", "newest"), "string");
});

Deno.test("names: suggestions and address order", () => {
  equal(didYouMean("contnet", ["content", "path", "mode"]), ' Did you mean "content"?');
  equal(didYouMean("zzz", ["content", "path"]), "");
  // A third of a long name's length is allowed, beyond the usual two edits.
  equal(
    didYouMean("containr_namee", ["container_name", "path"]),
    ' Did you mean "container_name"?',
  );
  deepEqual(["file.a[10]", "file.a[2]", "file.a", "file.b"].sort(compareAddresses), [
    "file.a",
    "file.a[2]",
    "file.a[10]",
    "file.b",
  ]);
});
