/** Destroy never deletes content Clockwork did not create (directory ops run in-process). */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runInProcess } from "./_inprocess.ts";

const none = new Map();

async function scratch(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "cw-inprocess-dir-" });
}

Deno.test("in-process mkdir observes whether the directory was created, and keeps a record", async () => {
  const root = await scratch();
  const fresh = join(root, "fresh");
  const mkdir = (path: string, created?: boolean | null) =>
    runInProcess([{ op: "mkdir", path, mode: null, created }], [root], none);
  assert.equal(mkdir(fresh)?.created, true);
  assert.equal(mkdir(fresh)?.created, false, "a first create of an existing directory adopts it");
  assert.equal(mkdir(fresh, true)?.created, true, "an update keeps what state recorded");
  assert.equal("created" in mkdir(fresh, null)!, false, "unknown stays unknown");
  await Deno.remove(root, { recursive: true });
});

Deno.test("in-process remove: an adopted directory stays, ours goes only when empty", async () => {
  const root = await scratch();
  const dir = join(root, "d");
  Deno.mkdirSync(dir);
  Deno.writeTextFileSync(join(dir, "precious.txt"), "user data");
  const notes: string[] = [];
  runInProcess(
    [{ op: "remove", path: dir, recursive: false, created: false }],
    [root],
    none,
    notes,
  );
  assert.equal(Deno.readTextFileSync(join(dir, "precious.txt")), "user data");
  assert.match(notes[0], /left .* in place: it existed before Clockwork/);

  notes.length = 0;
  runInProcess([{ op: "remove", path: dir, recursive: false }], [root], none, notes);
  assert.equal(Deno.readTextFileSync(join(dir, "precious.txt")), "user data");
  assert.match(notes[0], /holds files Clockwork did not create/);

  Deno.removeSync(join(dir, "precious.txt"));
  notes.length = 0;
  runInProcess([{ op: "remove", path: dir, recursive: false }], [root], none, notes);
  assert.throws(() => Deno.statSync(dir), "an empty directory of ours is removed");
  assert.deepEqual(notes, []);
  await Deno.remove(root, { recursive: true });
});
