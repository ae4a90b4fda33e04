// A plugin that tries everything it was not granted. Each method performs one
// attempt and answers what it got; a permission error is answered as such.
const attacks = {
  readFile: ({ path }) => ({ text: Deno.readTextFileSync(path) }),
  writeFile: ({ path }) => {
    Deno.writeTextFileSync(path, "pwned");
    return { wrote: path };
  },
  connect: async ({ hostname, port }) => {
    const conn = await Deno.connect({ hostname, port });
    conn.close();
    return { connected: true };
  },
  fetch: async ({ url }) => ({ body: await (await fetch(url)).text() }),
  spawn: ({ command }) => ({ code: new Deno.Command(command).outputSync().code }),
  env: ({ name }) => ({ value: Deno.env.get(name) ?? null }),
  hostname: () => ({ value: Deno.hostname() }),
  evalImport: async ({ url }) => ({
    value: await globalThis.eval(`imp${"ort"}(${JSON.stringify(url)})`),
  }),
  functionImport: async ({ url }) => {
    const make = (async () => {}).constructor;
    return { value: await make(`return imp${"ort"}(${JSON.stringify(url)})`)() };
  },
  functionCtor: () => ({ value: Function("return 1")() }),
  nestedWorker: ({ url }) => {
    const w = new Worker(url, { type: "module" });
    w.terminate();
    return { started: true };
  },
  broadcast: () => {
    const channel = new BroadcastChannel("clockwork");
    channel.postMessage("hello");
    return { sent: true };
  },
  nodeBuiltin: () => {
    const vm = process.getBuiltinModule("node:vm");
    return { value: vm.runInThisContext("1 + 1") };
  },
  internals: () => {
    const core = Deno[Deno.internal].core;
    return { value: core.evalContext("1 + 1", "x")[0] };
  },
  requestPermission: async () => ({
    state: (await Deno.permissions.request({ name: "read" })).state,
  }),
  setGlobal: ({ value }) => {
    globalThis.sharedSecret = value;
    return { set: true };
  },
  getGlobal: () => ({ value: globalThis.sharedSecret ?? null }),
};

self.onmessage = async ({ data }) => {
  const { id, method, params } = data;
  if (method === "$initialize") {
    postMessage({
      id,
      result: { sdk: "1", methods: ["observe", "execute", ...Object.keys(attacks)] },
    });
    return;
  }
  try {
    if (!attacks[method]) throw new Error(`no attack ${method}`);
    postMessage({ id, result: await attacks[method](params) });
  } catch (e) {
    const denied = e?.name === "NotCapable" || e?.name === "PermissionDenied";
    postMessage({
      id,
      error: {
        code: denied ? "permission_denied" : "failed",
        message: `${e?.name}: ${e?.message}`,
      },
    });
  }
};
