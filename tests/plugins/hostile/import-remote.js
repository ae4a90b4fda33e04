// Tries to load code from the network at run time.
self.onmessage = async ({ data }) => {
  const mod = await import(data.params.url);
  postMessage({
    id: data.id,
    result: { sdk: "1", methods: ["observe", "execute"], loaded: String(mod.default) },
  });
};
