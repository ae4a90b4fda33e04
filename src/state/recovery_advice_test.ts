import { deepStrictEqual as equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { parseStateDocument, statePaths } from "./mod.ts";

Deno.test("damaged state: recovery advice names a backup only when one exists", () => {
  const dir = Deno.makeTempDirSync({ prefix: "cw-state-advice-" });
  try {
    const paths = statePaths(dir);
    const notesOf = () => {
      const { diagnostics } = parseStateDocument('{"version": 1, "resou', paths);
      equal(diagnostics.length, 1);
      return (diagnostics[0].notes ?? []).join("\n");
    };
    const without = notesOf();
    ok(!without.includes(".backup"), without);
    ok(without.includes("no backup"), without);
    ok(without.includes("version control"), without);
    ok(without.includes(`mv ${paths.state} ${paths.state}.damaged`), without);

    Deno.mkdirSync(join(dir, ".clockwork"));
    Deno.writeTextFileSync(paths.backup, "{}");
    const withBackup = notesOf();
    ok(withBackup.includes(`cp ${paths.backup} ${paths.state}`), withBackup);
    equal(paths.backup, join(dir, ".clockwork/state.json.backup"));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
