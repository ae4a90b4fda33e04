/**
 * Golden bundles: a fixed plan of every built-in type compiles to exactly the
 * manifest in tests/golden/forge/<name>.golden.json (UPDATE_GOLDEN=1 rewrites).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { compileBundle } from "../src/forge/mod.ts";
import { testPlan, testResource } from "../src/forge/testing.ts";

const goldenDir = fileURLToPath(new URL("./golden/forge/", import.meta.url));

function golden(name: string, actual: unknown): void {
  const path = `${goldenDir}${name}.golden.json`;
  const text = JSON.stringify(actual, null, 2) + "\n";
  if (Deno.env.get("UPDATE_GOLDEN") === "1") {
    Deno.mkdirSync(goldenDir, { recursive: true });
    Deno.writeTextFileSync(path, text);
    return;
  }
  assert.equal(text, Deno.readTextFileSync(path), `${name} differs from its golden file`);
}

const resources = [
  testResource("directory", "site", { path: "/srv/app/site", mode: "0750" }, {
    moduleDir: "/srv/app",
  }),
  testResource(
    "file",
    "index",
    { path: "site/index.html", content: "<h1>hi</h1>\n", mode: "644" },
    {
      moduleDir: "/srv/app",
      dependsOn: ["directory.site"],
    },
  ),
  testResource("command", "stamp", {
    run: "date > stamp.txt",
    cwd: "/srv/app/site",
    creates: "/srv/app/site/stamp.txt",
    destroy: "rm -f stamp.txt",
    env: { LANG: "C" },
  }, { moduleDir: "/srv/app", dependsOn: ["file.index"], timeoutMs: 60_000 }),
  testResource("task", "report", {
    lang: "python3",
    script: "print('report')\n",
    creates: "/srv/app/site/report.txt",
  }, { moduleDir: "/srv/app", dependsOn: ["directory.site"] }),
];

for (const action of ["create", "delete"] as const) {
  Deno.test(`forge golden: built-in types, ${action}`, () => {
    const compiled = compileBundle(testPlan(resources, action), { rootDir: "/srv/app" });
    assert.deepEqual(compiled.diagnostics, []);
    golden(`builtin-${action}`, compiled.value);
  });
}
