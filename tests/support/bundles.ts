/** Freshness of the plugin bundles embedded in the program (plugins/<name>/bundle.ts). */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { sha256Hex } from "../../src/plugins/protocol/mod.ts";

/**
 * `scripts/bundle-plugin.ts --builtins --check` accepts the named plugins'
 * embedded bundles (they match their sources), and every given bundle's
 * recorded sha256 is that of its code.
 */
export async function assertBundlesMatchSources(
  names: readonly string[],
  bundles: readonly { readonly code: string; readonly sha256: string }[],
): Promise<void> {
  const result = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      fileURLToPath(new URL("../../scripts/bundle-plugin.ts", import.meta.url)),
      "--builtins",
      "--check",
      ...names,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
  for (const bundle of bundles) {
    assert.equal(bundle.sha256, await sha256Hex(new TextEncoder().encode(bundle.code)));
  }
}
