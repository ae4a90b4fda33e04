/**
 * The one way the program reaches state: `clockwork { state { backend … } }`
 * names a state plugin (file → state-file, sqlite → state-sqlite, postgres →
 * state-postgres, any other name → a plugin installed in clockwork.lock),
 * which runs in the plugin host's Worker with a grant derived from its
 * settings. src/state's `StateStore` keeps the state model on top of it.
 */
import { dirname, resolve } from "node:path";
import type { Config } from "../config/mod.ts";
import type { Diagnostic } from "../hcl/mod.ts";
import { PluginHost } from "../plugins/host/mod.ts";
import { type Permissions, PluginError } from "../plugins/protocol/mod.ts";
import { DEFAULT_STATE_PATH, StateStore, type StateStoreOptions } from "../state/mod.ts";
import { BUILTIN_PLUGINS } from "../../plugins/builtins.ts";

/** What `clockwork { state { … } }` says; every attribute besides backend and path is an option. */
export interface StateSettings {
  readonly backend: string | null;
  readonly path: string | null;
  readonly options?: Readonly<Record<string, unknown>>;
}

export function stateSettingsOf(config: Config | null | undefined): StateSettings {
  const s = config?.settings.state;
  return {
    backend: s?.backend ?? null,
    path: s?.path ?? null,
    options: (s as { options?: Record<string, unknown> } | null | undefined)?.options ?? {},
  };
}

const BUILTIN_BACKENDS: Readonly<Record<string, string>> = {
  file: "state-file",
  sqlite: "state-sqlite",
  postgres: "state-postgres",
};

/** The plugin a `backend` value selects. */
export function statePluginName(backend: string | null): string {
  const name = backend ?? "file";
  return BUILTIN_BACKENDS[name] ?? name;
}

interface Selected {
  readonly plugin: string;
  readonly settings: Record<string, unknown>;
  /** The grant of a built-in, derived from its settings; undefined for installed plugins. */
  readonly grant?: Permissions;
  readonly store: StateStoreOptions;
}

function select(rootDir: string, settings: StateSettings): Selected {
  const plugin = statePluginName(settings.backend);
  const options = { ...settings.options ?? {} };
  if (plugin === "state-file") {
    const state = resolve(rootDir, settings.path ?? DEFAULT_STATE_PATH);
    const stem = state.endsWith(".json") ? state.slice(0, -5) : state;
    const lock = typeof options.lock_path === "string"
      ? resolve(rootDir, options.lock_path)
      : `${stem}.lock`;
    const dir = dirname(state);
    return {
      plugin,
      settings: { ...options, path: state },
      grant: { read: [dir], write: [dir] },
      store: {
        location: {
          state,
          backup: `${state}.backup`,
          journal: `${stem}.journal`,
          journalFile: `${stem}.journal`,
          discardJournal: `mv ${stem}.journal ${stem}.journal.damaged`,
        },
        lockLocation: lock,
      },
    };
  }
  if (plugin === "state-sqlite") {
    const db = resolve(rootDir, settings.path ?? ".clockwork/state.db");
    const workspace = typeof options.workspace === "string" ? options.workspace : "default";
    const dir = dirname(db);
    return {
      plugin,
      settings: { ...options, path: db },
      grant: { read: [dir], write: [dir], run: ["sqlite3"] },
      store: {
        location: {
          state: `${db} (workspace "${workspace}")`,
          backup: null,
          journal: `the clockwork_journal rows of workspace "${workspace}" in ${db}`,
          discardJournal: `sqlite3 ${shellWord(db)} ${
            shellWord(`DELETE FROM clockwork_journal WHERE workspace = ${sqlString(workspace)}`)
          }`,
        },
        lockLocation: `the lock row of workspace "${workspace}" in ${db}`,
      },
    };
  }
  if (plugin === "state-postgres") {
    let where = "postgres (no url set)";
    const net: string[] = [];
    try {
      const url = new URL(String(options.url));
      const port = url.port || "5432";
      net.push(`${url.hostname}:${port}`);
      where = `postgres ${url.hostname}:${port}${url.pathname}`;
    } catch { /* the plugin explains a missing or bad url */ }
    const workspace = typeof options.workspace === "string" ? options.workspace : "default";
    const table = typeof options.table === "string" ? options.table : "clockwork_state";
    const schema = typeof options.schema === "string" ? options.schema : "public";
    return {
      plugin,
      settings: { ...options },
      grant: { net },
      store: {
        // Never the URL itself: it may hold a password.
        location: {
          state: `${where} table ${table} (workspace "${workspace}")`,
          backup: null,
          journal: `the ${table}_journal rows of workspace "${workspace}" in ${where}`,
          discardJournal: `in psql: DELETE FROM "${schema}"."${table}_journal" WHERE workspace = ${
            sqlString(workspace)
          }`,
        },
        lockLocation: `the lock of workspace "${workspace}" in ${where}`,
        // A session advisory lock: the server drops it when the holder's connection ends.
        lockEndsWithHolder: true,
      },
    };
  }
  return {
    plugin,
    settings: { ...options, ...(settings.path ? { path: settings.path } : {}) },
    store: {
      location: { state: `state plugin "${plugin}"`, backup: null },
      lockLocation: `the lock of state plugin "${plugin}"`,
    },
  };
}

/** A word the shell reads as itself. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** An open state: its store and the plugin host it runs in. */
export interface StateHandle {
  readonly store: StateStore;
  /** Starts the plugin's Worker and resolves once it exists, before it has booted. */
  launch(): Promise<void>;
  close(): void;
}

/**
 * Starts the selected state plugin (lazily: the Worker starts on the first
 * request). Diagnostics say why it cannot be used.
 */
export async function openStateStore(
  rootDir: string,
  settings: StateSettings,
): Promise<{ value: StateHandle | null; diagnostics: Diagnostic[] }> {
  const selected = select(rootDir, settings);
  const builtin = BUILTIN_PLUGINS.find((p) => p.manifest.name === selected.plugin);
  let host: PluginHost;
  const diagnostics: Diagnostic[] = [];
  if (builtin) {
    host = new PluginHost({
      configDir: rootDir,
      builtins: [{
        ...builtin,
        manifest: { ...builtin.manifest, permissions: selected.grant ?? {} },
      }],
      settings: { [selected.plugin]: selected.settings },
    });
  } else {
    const opened = await PluginHost.open({
      configDir: rootDir,
      settings: { [selected.plugin]: selected.settings },
    });
    host = opened.value;
    diagnostics.push(...opened.diagnostics);
  }
  try {
    const store = new StateStore(host.state(selected.plugin), selected.store);
    return {
      value: {
        store,
        launch: () => host.launch(selected.plugin),
        close: () => host.close(),
      },
      diagnostics,
    };
  } catch (e) {
    host.close();
    const d = e instanceof PluginError ? e.toDiagnostic() : {
      severity: "error" as const,
      code: "CW5043",
      summary: `Cannot use the state backend "${settings.backend}"`,
      detail: e instanceof Error ? e.message : String(e),
    };
    return {
      value: null,
      diagnostics: [...diagnostics, {
        ...d,
        notes: [
          ...d.notes ?? [],
          "state backends: file, sqlite, postgres, or the name of an installed state plugin",
        ],
      }],
    };
  }
}

/** Stores held open by a running command, so reads inside it share its plugin (and lock). */
const active = new Map<string, StateStore>();
const keyOf = (rootDir: string, settings: StateSettings) =>
  JSON.stringify([
    resolve(rootDir),
    settings.backend ?? "file",
    settings.path ?? DEFAULT_STATE_PATH,
    settings.options ?? {},
  ]);

/** Default-backend stores started before the configuration was read, by key. */
const prewarmed = new Map<string, StateHandle>();

/**
 * Starts the default (file) state plugin's Worker while the caller goes on
 * to read the configuration synchronously: the Worker boots on its own
 * thread meanwhile. Used by `withStateStore` when the configuration does
 * select the default backend; closed unused otherwise.
 */
export async function prewarmStateStore(rootDir: string): Promise<void> {
  const settings: StateSettings = { backend: null, path: null, options: {} };
  const key = keyOf(rootDir, settings);
  if (prewarmed.has(key) || active.has(key)) return;
  const opened = await openStateStore(rootDir, settings);
  if (!opened.value) return;
  prewarmed.set(key, opened.value);
  // The caller blocks its thread next: the Worker must exist by then to boot meanwhile.
  await opened.value.launch();
}

/** Runs `fn` with the state open; reads of the same state meanwhile go through it. */
export async function withStateStore<T>(
  rootDir: string,
  settings: StateSettings,
  fn: (store: StateStore) => Promise<T>,
  onError: (diagnostics: Diagnostic[]) => T,
): Promise<T> {
  const key = keyOf(rootDir, settings);
  const current = active.get(key);
  if (current) return await fn(current);
  const warm = prewarmed.get(key);
  prewarmed.delete(key);
  // A configuration that selects another backend leaves the prewarmed one unused.
  for (const handle of prewarmed.values()) handle.close();
  prewarmed.clear();
  const opened = warm ? { value: warm, diagnostics: [] } : await openStateStore(rootDir, settings);
  if (!opened.value) return onError(opened.diagnostics);
  const { store } = opened.value;
  active.set(key, store);
  try {
    return await fn(store);
  } finally {
    active.delete(key);
    opened.value.close();
  }
}

/** The recorded state (journal replayed, integrity checked) of a configuration directory. */
export async function readStateOf(
  rootDir: string,
  settings: StateSettings,
): Promise<{ value: import("../state/mod.ts").State | null; diagnostics: Diagnostic[] }> {
  return await withStateStore(
    rootDir,
    settings,
    (store) => store.read(),
    (diagnostics) => ({ value: null, diagnostics }),
  );
}
