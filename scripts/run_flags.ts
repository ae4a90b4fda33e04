/**
 * How Clockwork's program is run: the one list that `deno task cw`, the
 * compiled binary (scripts/compile.ts), the demo, the benchmarks and the
 * tests' CLI helpers all use, so what is measured and tested is what ships
 * (tests/run_flags_test.ts checks deno.json and scripts/demo.sh against it).
 */

/**
 * V8 heap settings for a short-lived command-line process, where nearly
 * everything allocated (tokens, AST, IR, plan) stays alive until exit. A plan
 * of 10,000 resources keeps some 60 MB alive; with V8's defaults the old
 * generation hits its first limit on the way and a full mark-compact (about
 * 50 ms) runs just before the process exits. A larger initial old space
 * avoids it (the memory is reserved, not touched); the young generation's
 * mark-sweep (`--minor-ms`) does not copy the many survivors a parse leaves,
 * as the default scavenger does; a larger young generation collects a third
 * as often. GC pauses at 10,000 resources: about 120 ms with the defaults,
 * about 20 ms with these (docs/PERFORMANCE.md).
 */
export const V8_FLAGS: readonly string[] = [
  "--initial-old-space-size=256",
  "--minor-ms",
  "--min-semi-space-size=32",
  "--max-semi-space-size=64",
];

/** `--v8-flags=…` as deno run and deno compile take it. */
export const V8_FLAGS_ARG = `--v8-flags=${V8_FLAGS.join(",")}`;

/** Flags of `deno run` for main.ts (permissions are narrowed per plugin by the program itself). */
export const RUN_FLAGS: readonly string[] = [
  "--allow-all",
  "--no-prompt",
  "--unstable-worker-options",
  V8_FLAGS_ARG,
];
