/**
 * Planner golden scenarios: tests/golden/plan/<scenario>/ holds a configuration
 * (main.cw and anything it reads), optionally `state.json` (the recorded state;
 * `${DIR}` stands for the scenario's working directory, omitted resource fields
 * get their defaults), `live/` (files that exist on disk before planning, for
 * drift) and `args.json` ({targets, destroy, vars, refresh, chmod}). The plan is made
 * the way `clockwork plan` makes it and compared with plan.golden (human text
 * and diagnostics), plan.json.golden (the --json document) and graph.golden
 * (DOT). UPDATE_GOLDEN=1 rewrites the golden files.
 */
import { equal as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bufferIo, createContext } from "../src/cli/mod.ts";
import { loadConfiguration, makePlan } from "../src/cli/pipeline.ts";
import { planCommand } from "../src/cli/commands/plan.ts";
import { renderDiagnostics, sourceMap } from "../src/hcl/mod.ts";
import { dependencyGraph, planDocument, renderDot, renderPlan } from "../src/plan/mod.ts";
import { digestAttributes, serializeState, type State } from "../src/state/mod.ts";

const root = fileURLToPath(new URL("./golden/plan/", import.meta.url));
const update = Deno.env.get("UPDATE_GOLDEN") === "1";

interface Args {
  targets?: string[];
  destroy?: boolean;
  vars?: string[];
  refresh?: boolean;
  /** Modes set on live files after copying (git keeps only the executable bit). */
  chmod?: Record<string, string>;
}

async function copyTree(from: string, to: string, skip: Set<string>): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (skip.has(entry.name)) continue;
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory) await copyTree(source, target, new Set());
    else await Deno.copyFile(source, target);
  }
}

function stateFrom(text: string, dir: string): State {
  const doc = JSON.parse(text.replaceAll("${DIR}", dir));
  const resources = (doc.resources ?? []).map((r: Record<string, unknown>) => {
    const attributes = (r.attributes ?? {}) as Record<string, unknown>;
    return {
      address: r.address,
      type: r.type ?? String(r.address).replace(/^(module\.[^.]+\.)*/, "").split(".")[0],
      module: r.module ?? [],
      attributes,
      sensitiveAttributes: r.sensitiveAttributes ?? [],
      digest: digestAttributes(attributes),
      dependencies: r.dependencies ?? [],
      observed: r.observed ?? null,
      host: r.host ?? null,
      preventDestroy: r.preventDestroy ?? false,
    };
  });
  return {
    format_version: "1",
    lineage: "golden-lineage",
    serial: doc.serial ?? 1,
    configDigest: null,
    resources,
    outputs: doc.outputs ?? {},
  };
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
}

async function compare(path: string, actual: string): Promise<void> {
  if (update) {
    await Deno.writeTextFile(path, actual);
    return;
  }
  const expected = await readOptional(path);
  assertEquals(actual, expected ?? "(golden file missing: run with UPDATE_GOLDEN=1)", path);
}

const scenarios = [...Deno.readDirSync(root)].filter((e) => e.isDirectory).map((e) => e.name)
  .sort();

for (const scenario of scenarios) {
  Deno.test(`plan golden: ${scenario}`, async () => {
    const source = join(root, scenario);
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: `cw-golden-${scenario}-` }));
    try {
      const skip = new Set([
        "state.json",
        "args.json",
        "live",
        "plan.golden",
        "plan.json.golden",
        "graph.golden",
      ]);
      await copyTree(source, dir, skip);
      const live = join(source, "live");
      let hasLive = false;
      try {
        hasLive = Deno.statSync(live).isDirectory;
      } catch { /* no live files in this scenario */ }
      if (hasLive) await copyTree(live, dir, new Set());
      const args: Args = JSON.parse(await readOptional(join(source, "args.json")) ?? "{}");
      for (const [file, mode] of Object.entries(args.chmod ?? {})) {
        await Deno.chmod(join(dir, file), parseInt(mode, 8));
      }
      const stateText = await readOptional(join(source, "state.json"));
      if (stateText !== undefined) {
        await Deno.mkdir(join(dir, ".clockwork"), { recursive: true });
        await Deno.writeTextFile(
          join(dir, ".clockwork", "state.json"),
          serializeState(stateFrom(stateText, dir)),
        );
      }
      const io = bufferIo();
      const ctx = createContext({
        command: planCommand,
        globals: { json: false, noColor: true, vars: args.vars ?? [], varFiles: [], noAi: true },
        io,
        cwd: dir,
        env: {},
        values: {},
        positionals: [],
      });
      const loaded = loadConfiguration(ctx, dir);
      const lookup = sourceMap(loaded.sources);
      const scrub = (text: string) => text.replaceAll(dir, "$DIR");
      let text = "";
      let json = "";
      let graph = "";
      const diags = [...loaded.diagnostics];
      if (loaded.config && !diags.some((d) => d.severity === "error")) {
        graph = renderDot(dependencyGraph(loaded.config));
        const result = await makePlan(ctx, loaded.config, {
          destroy: args.destroy,
          targets: args.targets,
          refresh: args.refresh,
        });
        diags.push(...result.diagnostics);
        if (result.plan) {
          text = renderPlan(result.plan, { priorOutputs: result.state?.outputs });
          json = JSON.stringify(planDocument(result.plan), null, 2) + "\n";
        }
      }
      if (diags.length > 0) {
        text += (text ? "\n" : "") + renderDiagnostics(diags, lookup) + "\n";
      }
      await compare(join(source, "plan.golden"), scrub(text));
      await compare(join(source, "plan.json.golden"), scrub(json));
      await compare(join(source, "graph.golden"), scrub(graph));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
