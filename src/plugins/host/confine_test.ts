import assert from "node:assert/strict";
import { screenBundle } from "./_confine.ts";
import { workerPermissions } from "./_host.ts";

Deno.test("screenBundle refuses every form of import, wherever it hides", () => {
  const refused = [
    'import x from "./x.js";',
    'import "./side.js";',
    'import * as ns from "npm:foo";',
    'import {a} from "./a.js";',
    'const m = await import("https://example.com/x.js");',
    "const m = await import /* hi */ (url);",
    "const m = await import\n(url);",
    "f(...import(url));",
    '// comment ending with a dot.\nimport x from "y";',
    'export * from "./other.js";',
    'export { a as b } from "./other.js";',
    'const s = "we import things";',
  ];
  for (const code of refused) {
    assert.match(screenBundle(code) ?? "accepted", /import|re-exports/, code);
  }
});

Deno.test("screenBundle accepts self-contained modules, import.meta and .import properties", () => {
  const accepted = [
    "self.onmessage = () => {};",
    "const here = import.meta.url;",
    "const here = import . meta.url;",
    "obj.import(data);",
    "const important = 1; const imports = 2;",
    "export { a, b };",
    "export default 1;",
  ];
  for (const code of accepted) assert.equal(screenBundle(code), undefined, code);
});

Deno.test("workerPermissions grants exactly the lock's grant, paths resolved", () => {
  assert.deepEqual(workerPermissions({}, "/cfg"), {
    read: false,
    write: false,
    net: false,
    run: false,
    env: false,
    ffi: false,
    sys: false,
    import: false,
  });
  const p = workerPermissions(
    {
      read: [".clockwork", "/etc/app"],
      write: [".clockwork"],
      net: ["h:1"],
      run: ["sh"],
      env: ["A"],
    },
    "/cfg",
  );
  assert.deepEqual(p.read, ["/cfg/.clockwork", "/etc/app"]);
  assert.deepEqual(p.write, ["/cfg/.clockwork"]);
  assert.deepEqual(p.net, ["h:1"]);
  assert.deepEqual(p.run, ["sh"]);
  assert.deepEqual(p.env, ["A"]);
});
