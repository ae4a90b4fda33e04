/**
 * `clockwork state list|show|rm|pull`: read and edit recorded state, through
 * the state backend plugin the configuration in the working directory selects.
 */
import { resolve } from "node:path";
import { addressSteps, loadConfig } from "../../config/mod.ts";
import { checkTargetAddress, matchesTarget } from "../../plan/mod.ts";
import { hostName, serializeState, type State, type StateResource } from "../../state/mod.ts";
import type { StateStore } from "../../state/mod.ts";
import type { Diagnostic } from "../../hcl/mod.ts";
import { type StateSettings, stateSettingsOf, withStateStore } from "../state_backend.ts";
import { formatValue, jsonOut, SENSITIVE_TEXT, toJsonValue } from "../views/mod.ts";
import type { Command, CommandContext } from "./_types.ts";

/**
 * The state settings of the configuration in the working directory: its
 * `clockwork { state { … } }` when the configuration loads, else the default
 * file backend (state commands must work on a broken config).
 */
export function backendFor(ctx: CommandContext): { dir: string; settings: StateSettings } {
  const dir = resolve(ctx.cwd);
  try {
    const loaded = loadConfig({
      dir,
      vars: ctx.globals.vars,
      varFiles: ctx.globals.varFiles,
      env: ctx.env,
      cwd: ctx.cwd,
    });
    return { dir, settings: stateSettingsOf(loaded.config) };
  } catch { /* no readable configuration: the default location */ }
  return { dir, settings: stateSettingsOf(null) };
}

/** Runs `fn` with the working directory's state open; an exit code when it cannot be opened. */
export function withBackend(
  ctx: CommandContext,
  fn: (store: StateStore) => Promise<number>,
): Promise<number> {
  const { dir, settings } = backendFor(ctx);
  return withStateStore(dir, settings, fn, (diagnostics) => {
    ctx.reportDiagnostics(diagnostics);
    return 1;
  });
}

/** The state the commands read, or an exit code after reporting why there is none. */
export async function readStateFor(
  ctx: CommandContext,
  store: StateStore,
): Promise<State | number> {
  const result = await store.read();
  ctx.reportDiagnostics(result.diagnostics);
  if (result.diagnostics.some((d) => d.severity === "error")) return 1;
  return result.value ?? {
    format_version: "1",
    lineage: "",
    serial: 0,
    configDigest: null,
    resources: [],
    outputs: {},
  };
}

/** Attributes with sensitive ones replaced by "(sensitive)". */
export function redactedAttributes(resource: StateResource): Record<string, unknown> {
  const hidden = new Set(resource.sensitiveAttributes);
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(resource.attributes)) {
    out[name] = hidden.has(name) ? SENSITIVE_TEXT : toJsonValue(value);
  }
  return out;
}

export const stateListCommand: Command = {
  name: "state list",
  summary: "list the resources recorded in state",
  usage: "clockwork state list",
  options: {},
  run(ctx) {
    return withBackend(ctx, async (store) => {
      const state = await readStateFor(ctx, store);
      if (typeof state === "number") return state;
      if (ctx.globals.json) {
        jsonOut(ctx.io, {
          resources: state.resources.map((r) => ({
            address: r.address,
            type: r.type,
            attributes: redactedAttributes(r),
          })),
          diagnostics: ctx.takeJsonDiagnostics(),
        });
      } else {
        for (const r of state.resources) ctx.io.stdout(`${r.address}\n`);
      }
      return Promise.resolve(0);
    });
  },
};

/** CW3007 for text that is no address at all, as `--target` reports it; true when reported. */
function reportedInvalidAddress(ctx: CommandContext, address: string): boolean {
  if (checkTargetAddress(address) === undefined) return false;
  ctx.reportDiagnostics([{
    severity: "error",
    code: "CW3007",
    summary: `Invalid resource address "${address}"`,
    detail:
      'an address is TYPE.NAME, TYPE.NAME[0], TYPE.NAME["key"] or module.M.TYPE.NAME; `clockwork state list` shows the recorded ones',
  }]);
  return true;
}

/** At most this many addresses are listed in a message; the rest are counted. */
const LISTED_ADDRESSES = 10;

function listAddresses(addresses: readonly string[]): string {
  const shown = addresses.slice(0, LISTED_ADDRESSES).join(", ");
  const more = addresses.length - LISTED_ADDRESSES;
  return more > 0 ? `${shown} and ${more} more` : shown;
}

/**
 * The one instance `address` names. A resource with count or for_each, or a
 * module, names several: the error lists them so the user can pick one.
 */
function findInstance(ctx: CommandContext, state: State, address: string): StateResource | null {
  const found = state.resources.find((r) => r.address === address);
  if (found) return found;
  if (reportedInvalidAddress(ctx, address)) return null;
  const within = state.resources.filter((r) => matchesTarget(r.address, address))
    .map((r) => r.address);
  if (within.length > 0) {
    const what = namesModule(address) ? "module" : "resource";
    ctx.reportDiagnostics([{
      severity: "error",
      code: "CW5020",
      summary: `${address} is a ${what} with ${within.length} instance${
        within.length === 1 ? "" : "s"
      } in state; name one of them`,
      detail: `the state records ${listAddresses(within)}; for example: clockwork state show '${
        within[0]
      }'`,
    }]);
    return null;
  }
  ctx.reportDiagnostics([notInState(state, address)]);
  return null;
}

function notInState(state: State, address: string): Diagnostic {
  return {
    severity: "error",
    code: "CW5020",
    summary: `No resource ${address} in state`,
    detail: state.resources.length
      ? "`clockwork state list` shows the recorded addresses"
      : "the state records no resources",
  };
}

/** `module.m`, `module.m["k"].module.n`: a module address rather than a resource's. */
function namesModule(address: string): boolean {
  const steps = addressSteps(address) ?? [];
  return steps.length % 2 === 0 && steps.every((s, i) => i % 2 === 1 || s.name === "module");
}

/** `"file" "s"` for file.s, module.m.file.s and file.s[0], as Terraform's state show heads a resource. */
function resourceLabels(resource: StateResource): string {
  const steps = addressSteps(resource.address.split("#", 1)[0]);
  const name = steps?.[steps.length - 1]?.name;
  return name === undefined
    ? JSON.stringify(resource.type)
    : `${JSON.stringify(resource.type)} ${JSON.stringify(name)}`;
}

export const stateShowCommand: Command = {
  name: "state show",
  summary: "show one resource recorded in state",
  usage: "clockwork state show ADDR",
  options: {},
  positionals: { min: 1, max: 1, names: "ADDR" },
  run(ctx) {
    return withBackend(ctx, async (store) => {
      const state = await readStateFor(ctx, store);
      if (typeof state === "number") return Promise.resolve(state);
      const resource = findInstance(ctx, state, ctx.positionals[0]);
      if (!resource) return Promise.resolve(1);
      const attributes = redactedAttributes(resource);
      if (ctx.globals.json) {
        jsonOut(ctx.io, {
          resource: {
            address: resource.address,
            type: resource.type,
            attributes,
            digest: resource.digest,
            dependencies: resource.dependencies,
            observed: resource.observed,
            host: resource.host,
          },
        });
        return Promise.resolve(0);
      }
      const width = Math.max(0, ...Object.keys(attributes).map((k) => k.length));
      const lines = [`# ${resource.address}:`, `resource ${resourceLabels(resource)} {`];
      for (const [name, value] of Object.entries(attributes).sort(([a], [b]) => a < b ? -1 : 1)) {
        const text = value === SENSITIVE_TEXT ? SENSITIVE_TEXT : formatValue(value);
        lines.push(`  ${name.padEnd(width)} = ${text}`);
      }
      lines.push("}");
      if (resource.dependencies.length) {
        lines.push(`# depends on: ${resource.dependencies.join(", ")}`);
      }
      ctx.io.stdout(lines.join("\n") + "\n");
      return Promise.resolve(0);
    });
  },
};

export const stateRmCommand: Command = {
  name: "state rm",
  summary: "forget a resource without destroying it",
  usage: "clockwork state rm ADDR",
  description:
    'ADDR is an instance (file.a[0]), a resource (every instance) or a module (module.m, module.m["k"]: ' +
    "everything in it), as with --target.",
  options: {},
  positionals: { min: 1, max: 1, names: "ADDR" },
  run(ctx) {
    return withBackend(ctx, async (store) => {
      const locked = await store.lock({
        pid: Deno.pid,
        host: hostName(),
        command: "clockwork state rm",
        started: new Date().toISOString(),
      });
      if (locked.length) {
        ctx.reportDiagnostics(locked);
        return 1;
      }
      let code = 1;
      let released: Diagnostic[] = [];
      try {
        code = await removeUnderLock();
      } finally {
        released = await store.unlock();
      }
      // A lock that could not be released is an error the user must act on.
      ctx.reportDiagnostics(released);
      return released.some((d) => d.severity === "error") ? 1 : code;

      async function removeUnderLock(): Promise<number> {
        const state = await readStateFor(ctx, store);
        if (typeof state === "number") return state;
        const address = ctx.positionals[0];
        // As Terraform's state rm: a resource means all its instances, a module everything in it.
        const removed = state.resources.filter((r) => matchesTarget(r.address, address));
        if (removed.length === 0) {
          if (!reportedInvalidAddress(ctx, address)) {
            ctx.reportDiagnostics([notInState(state, address)]);
          }
          return 1;
        }
        const gone = new Set(removed.map((r) => r.address));
        const written = await store.compact({
          ...state,
          serial: state.serial + 1,
          resources: state.resources.filter((r) => !gone.has(r.address)),
        });
        ctx.reportDiagnostics(written);
        if (written.length) return 1;
        if (ctx.globals.json) jsonOut(ctx.io, { removed: [...gone] });
        else {
          for (const a of gone) ctx.io.stdout(`Removed ${a} from state (nothing was destroyed)\n`);
        }
        return 0;
      }
    });
  },
};

export const statePullCommand: Command = {
  name: "state pull",
  summary: "print the raw state document",
  usage: "clockwork state pull",
  options: {},
  run(ctx) {
    return withBackend(ctx, async (store) => {
      const result = await store.read();
      ctx.reportDiagnostics(result.diagnostics);
      if (result.diagnostics.some((d) => d.severity === "error")) return 1;
      if (result.value === null) {
        ctx.reportDiagnostics([{
          severity: "error",
          code: "CW5021",
          summary: "There is no state yet",
          detail: `${store.location.state} holds no state; run \`clockwork apply\` first`,
        }]);
        return 1;
      }
      // The document as the backend stores it (checksum included), journal replayed.
      ctx.io.stdout(serializeState(result.value));
      return 0;
    });
  },
};
