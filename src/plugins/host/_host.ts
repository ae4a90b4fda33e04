/**
 * PluginHost: the only place in Clockwork that creates Workers. Each plugin
 * runs in its own Worker, started lazily from bytes whose sha256 matches the
 * lock, with exactly the permissions the lock grants.
 */
import * as v from "valibot";
import { resolve } from "node:path";
import type { Diagnostic } from "../../hcl/mod.ts";
import {
  type CallOptions,
  contractOf,
  CrashSchema,
  describeIssues,
  INITIALIZE,
  type InitializeParams,
  InitializeResultSchema,
  type LockFile,
  LogSchema,
  type Manifest,
  methodsOf,
  normalizePermissions,
  type Permissions,
  type PluginClient,
  PluginError,
  type PluginFailure,
  type PluginKind,
  readLock,
  ResponseSchema,
  SDK_VERSION,
  sha256Hex,
} from "../protocol/mod.ts";
import { PROLOGUE, screenBundle } from "./_confine.ts";
import { installedEntryPath } from "./_paths.ts";

/** A plugin compiled into the program. */
export interface BuiltinPlugin {
  readonly manifest: Manifest;
  /** The bundled ES module. */
  readonly code: string;
  /** sha256 of `code` as UTF-8, computed when the bundle was generated. */
  readonly sha256: string;
}

/** Everything needed to start one plugin. */
export interface PluginRecord {
  readonly name: string;
  readonly kind: PluginKind;
  readonly version: string;
  readonly sha256: string;
  readonly permissions: Permissions;
  readonly builtin: boolean;
  readonly source: string;
  load(): Promise<Uint8Array>;
}

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface PluginHostOptions {
  /** The configuration directory: grants and the lock are relative to it. */
  readonly configDir: string;
  readonly lock?: LockFile;
  readonly builtins?: readonly BuiltinPlugin[];
  /** Per-request default, 30 s. */
  readonly requestTimeoutMs?: number;
  /** From creating the Worker to the answer to `$initialize`, 10 s. */
  readonly startTimeoutMs?: number;
  /** Log notifications allowed between two answers before the plugin is stopped. */
  readonly maxNotifications?: number;
  /** Settings handed to each plugin at start, by plugin name. */
  readonly settings?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly onLog?: (plugin: string, level: LogLevel, message: string) => void;
}

/** The Deno worker permission object for a grant: everything not granted is off. */
export function workerPermissions(grant: Permissions, configDir: string) {
  const paths = (list?: string[]) => list?.length ? list.map((p) => resolve(configDir, p)) : false;
  const names = (list?: string[]) => list?.length ? [...list] : false;
  return {
    read: paths(grant.read),
    write: paths(grant.write),
    net: names(grant.net),
    run: names(grant.run),
    env: names(grant.env),
    ffi: false,
    sys: false,
    import: false,
  } as const;
}

export class PluginHost {
  readonly configDir: string;
  readonly #records = new Map<string, PluginRecord>();
  readonly #running = new Map<string, RunningPlugin>();
  readonly #options: PluginHostOptions;
  #closed = false;

  constructor(options: PluginHostOptions) {
    this.#options = options;
    this.configDir = resolve(options.configDir);
    for (const builtin of options.builtins ?? []) {
      const { manifest, code, sha256 } = builtin;
      this.#records.set(manifest.name, {
        name: manifest.name,
        kind: manifest.kind,
        version: manifest.version,
        sha256,
        permissions: normalizePermissions(manifest.permissions),
        builtin: true,
        source: "builtin",
        load: () => Promise.resolve(new TextEncoder().encode(code)),
      });
    }
    for (const [name, locked] of Object.entries(options.lock?.plugins ?? {})) {
      if (this.#records.get(name)?.builtin) continue;
      const path = installedEntryPath(this.configDir, name, locked.entry);
      this.#records.set(name, {
        name,
        kind: locked.kind,
        version: locked.version,
        sha256: locked.sha256,
        permissions: normalizePermissions(locked.permissions),
        builtin: false,
        source: locked.source,
        load: () => Deno.readFile(path),
      });
    }
  }

  /** Reads `clockwork.lock` from the configuration directory. */
  static async open(
    options: Omit<PluginHostOptions, "lock">,
  ): Promise<{ value: PluginHost; diagnostics: Diagnostic[] }> {
    const lock = await readLock(options.configDir);
    return {
      value: new PluginHost({ ...options, lock: lock.value }),
      diagnostics: lock.diagnostics,
    };
  }

  plugins(): PluginRecord[] {
    return [...this.#records.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): PluginRecord | undefined {
    return this.#records.get(name);
  }

  isRunning(name: string): boolean {
    return this.#running.get(name)?.alive ?? false;
  }

  /** A typed client; fails when the plugin is unknown or of another kind. */
  client<K extends PluginKind>(name: string, kind: K): PluginClient<K> {
    const record = this.#require(name);
    if (record.kind !== kind) {
      throw new PluginError(name, "rejected", `is a ${record.kind} plugin, not a ${kind} plugin`);
    }
    const client: Record<string, unknown> = { name, kind };
    for (const method of methodsOf(kind)) {
      client[method] = (params: unknown, options?: CallOptions) =>
        this.request(name, method, params, options);
    }
    return client as PluginClient<K>;
  }

  state(name: string): PluginClient<"state"> {
    return this.client(name, "state");
  }
  runner(name: string): PluginClient<"runner"> {
    return this.client(name, "runner");
  }
  ai(name: string): PluginClient<"ai"> {
    return this.client(name, "ai");
  }

  /**
   * Sends one request, starting the plugin first when needed. Results of the
   * methods in the kind's contract are validated; other methods pass through.
   */
  async request(
    name: string,
    method: string,
    params: unknown,
    options: CallOptions = {},
  ): Promise<unknown> {
    if (this.#closed) throw new PluginError(name, "closed", "the plugin host is closed");
    const record = this.#require(name);
    const contract = contractOf(record.kind, method);
    if (contract) {
      const checked = v.safeParse(contract.params, params);
      if (!checked.success) {
        throw new TypeError(
          `invalid parameters for ${name}.${method}: ${describeIssues(checked.issues)}`,
        );
      }
    }
    const plugin = await this.#start(record);
    let timeoutMs = options.timeoutMs ?? this.#options.requestTimeoutMs ?? 30_000;
    // A step carries its own timeout; the request must outlive it to get the result.
    const stepTimeout = (params as { step?: { timeoutMs?: unknown } })?.step?.timeoutMs;
    if (
      options.timeoutMs === undefined && method === "execute" && typeof stepTimeout === "number"
    ) {
      timeoutMs = Math.max(timeoutMs, stepTimeout + 5_000);
    }
    const result = await plugin.send(method, params, timeoutMs);
    if (!contract) return result;
    const checked = v.safeParse(contract.result, result);
    if (!checked.success) {
      throw new PluginError(
        name,
        "protocol",
        `answered "${method}" with an invalid result: ${describeIssues(checked.issues)}`,
      );
    }
    return checked.output;
  }

  /**
   * Starts a plugin ahead of its first request (for example while the
   * configuration is still being parsed), so the Worker start overlaps other
   * work. Resolves once it answered its initialization.
   */
  async start(name: string): Promise<void> {
    if (this.#closed) throw new PluginError(name, "closed", "the plugin host is closed");
    await this.#start(this.#require(name));
  }

  /**
   * Starts a plugin and resolves as soon as its Worker exists, before it has
   * booted: a caller about to block its thread (a synchronous parse) lets the
   * plugin boot on its own thread meanwhile. A failed start is reported by
   * the first request, not here.
   */
  async launch(name: string): Promise<void> {
    if (this.#closed) return;
    let record: PluginRecord;
    try {
      record = this.#require(name);
    } catch {
      return;
    }
    await this.#instance(record).created;
  }

  /** Stops one plugin; it starts again on the next request. */
  stop(name: string): void {
    this.#running.get(name)?.terminate("closed", "was stopped");
    this.#running.delete(name);
  }

  close(): void {
    this.#closed = true;
    for (const name of [...this.#running.keys()]) this.stop(name);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #require(name: string): PluginRecord {
    const record = this.#records.get(name);
    if (!record) {
      throw new PluginError(
        name,
        "not_installed",
        "is not installed (see `clockwork plugin list`, `clockwork plugin add`)",
      );
    }
    return record;
  }

  async #start(record: PluginRecord): Promise<RunningPlugin> {
    return await this.#instance(record).ready;
  }

  /** The plugin's live instance, started now if it has none. */
  #instance(record: PluginRecord): RunningPlugin {
    const existing = this.#running.get(record.name);
    if (existing?.alive) return existing;
    const plugin = new RunningPlugin(record, this.configDir, this.#options);
    this.#running.set(record.name, plugin);
    return plugin;
  }
}

interface Pending {
  readonly method: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: PluginError) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

class RunningPlugin {
  readonly ready: Promise<RunningPlugin>;
  /** Settles once the Worker exists or the start failed before creating it. */
  readonly created: Promise<void>;
  #markCreated: () => void = () => {};
  alive = true;
  #worker: Worker | undefined;
  #nextId = 1;
  #notifications = 0;
  readonly #pending = new Map<number, Pending>();
  readonly #name: string;

  constructor(
    readonly record: PluginRecord,
    readonly configDir: string,
    readonly options: PluginHostOptions,
  ) {
    this.#name = record.name;
    this.created = new Promise((resolve) => this.#markCreated = resolve);
    this.ready = this.#boot();
    // A failed start is reported through `ready`; keep it from counting as unhandled.
    this.ready.catch(() => {}).finally(() => this.#markCreated());
  }

  async #boot(): Promise<RunningPlugin> {
    const { record } = this;
    let bytes: Uint8Array;
    try {
      bytes = await record.load();
    } catch (e) {
      throw this.#die("start", `cannot read its bundle: ${(e as Error).message}`);
    }
    const digest = await sha256Hex(bytes);
    if (digest !== record.sha256) {
      throw this.#die(
        "integrity",
        `bundle sha256 is ${digest} but clockwork.lock expects ${record.sha256}; ` +
          `refusing to load it (reinstall with \`clockwork plugin add\` if the change is intended)`,
      );
    }
    let code: string;
    try {
      code = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw this.#die("rejected", "its bundle is not UTF-8 text");
    }
    const refusal = screenBundle(code);
    if (refusal) throw this.#die("rejected", refusal);

    const url = URL.createObjectURL(
      new Blob([PROLOGUE, "\n", code], { type: "application/javascript" }),
    );
    try {
      const permissions = workerPermissions(record.permissions, this.configDir);
      this.#worker = new Worker(url, {
        type: "module",
        name: `plugin:${record.name}`,
        // deno-lint-ignore no-explicit-any
        deno: { permissions } as any,
      });
    } catch (e) {
      URL.revokeObjectURL(url);
      throw this.#die("start", `cannot create its Worker: ${(e as Error).message}`);
    }
    this.#markCreated();
    this.#worker.onmessage = (event) => this.#receive(event.data);
    this.#worker.onerror = (event) => {
      event.preventDefault();
      const during = this.#initialized ? "crashed" : "start";
      this.#die(during, `threw an uncaught error: ${event.message ?? "unknown error"}`);
    };
    this.#worker.onmessageerror = () => this.#die("protocol", "sent a message that cannot be read");
    try {
      const init: InitializeParams = {
        name: record.name,
        sdk: SDK_VERSION,
        configDir: this.configDir,
        settings: this.options.settings?.[record.name] ?? {},
        liveness: this.#liveness.buffer as SharedArrayBuffer,
      };
      const answer = await this.send(INITIALIZE, init, this.options.startTimeoutMs ?? 10_000);
      const hello = v.safeParse(InitializeResultSchema, answer);
      if (!hello.success) throw this.#die("start", "answered the initialization with garbage");
      if (hello.output.sdk !== SDK_VERSION) {
        throw this.#die("start", `speaks SDK ${hello.output.sdk}, the host speaks ${SDK_VERSION}`);
      }
      const missing = methodsOf(record.kind).filter((m) => !hello.output.methods.includes(m));
      if (missing.length) {
        throw this.#die("start", `does not implement ${missing.join(", ")} (${record.kind})`);
      }
      this.#initialized = true;
      return this;
    } catch (e) {
      if (e instanceof PluginError && e.failure === "timeout") {
        throw new PluginError(record.name, "start", "did not answer its initialization in time");
      }
      throw e;
    } finally {
      URL.revokeObjectURL(url);
    }
  }
  #initialized = false;
  /** 1 while this Worker is the plugin's current one; see InitializeParams.liveness. */
  readonly #liveness = new Int32Array(new SharedArrayBuffer(4)).fill(1);

  send(method: string, params: unknown, timeoutMs: number): Promise<unknown> {
    if (!this.alive || !this.#worker) {
      return Promise.reject(new PluginError(this.#name, "closed", "is not running"));
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new PluginError(
            this.#name,
            "timeout",
            `did not answer "${method}" within ${timeoutMs} ms`,
          ),
        );
        this.terminate("timeout", `was stopped after "${method}" timed out`);
      }, timeoutMs);
      this.#pending.set(id, { method, resolve, reject, timer });
      try {
        this.#worker!.postMessage({ id, method, params });
      } catch (e) {
        this.#settle(id);
        clearTimeout(timer);
        reject(
          new PluginError(
            this.#name,
            "protocol",
            `cannot send "${method}": ${(e as Error).message}`,
          ),
        );
      }
    });
  }

  #settle(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    if (pending) {
      this.#pending.delete(id);
      clearTimeout(pending.timer);
    }
    return pending;
  }

  #receive(data: unknown): void {
    if (!this.alive) return;
    const response = v.safeParse(ResponseSchema, data);
    if (response.success) {
      const message = response.output;
      const pending = this.#settle(message.id);
      if (!pending) {
        this.#die(
          "protocol",
          `answered request #${message.id}, which was never sent or already answered`,
        );
        return;
      }
      this.#notifications = 0;
      if ("result" in message) {
        pending.resolve(message.result);
      } else {
        const { code, message: text } = message.error;
        const failure: PluginFailure = code === "permission_denied" ? "denied" : "remote";
        const what = failure === "denied" ? "was denied" : `failed (${code})`;
        pending.reject(
          new PluginError(this.#name, failure, `${pending.method} ${what}: ${text}`, code),
        );
      }
      return;
    }
    const log = v.safeParse(LogSchema, data);
    if (log.success) {
      if (++this.#notifications > (this.options.maxNotifications ?? 1000)) {
        this.#die(
          "flood",
          `sent more than ${
            this.options.maxNotifications ?? 1000
          } messages without answering; stopped`,
        );
        return;
      }
      this.options.onLog?.(this.#name, log.output.log, log.output.message);
      return;
    }
    const crash = v.safeParse(CrashSchema, data);
    if (crash.success) {
      const during = this.#initialized ? "crashed" : "start";
      this.#die(during, `threw an uncaught error: ${crash.output.$crash}`);
      return;
    }
    this.#die("protocol", `sent a malformed message: ${preview(data)}`);
  }

  /** Stops the Worker and fails everything pending with the same error. */
  terminate(failure: PluginFailure, message: string): PluginError {
    const error = new PluginError(this.#name, failure, message);
    if (!this.alive) return error;
    this.alive = false;
    Atomics.store(this.#liveness, 0, 0);
    this.#worker?.terminate();
    for (const id of [...this.#pending.keys()]) this.#settle(id)!.reject(error);
    return error;
  }

  #die(failure: PluginFailure, message: string): PluginError {
    return this.terminate(failure, message);
  }
}

function preview(data: unknown): string {
  let text: string;
  try {
    text = typeof data === "string" ? JSON.stringify(data) : JSON.stringify(data) ?? String(data);
  } catch {
    text = Object.prototype.toString.call(data);
  }
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
