// Tries to evaluate code from a data: URL.
const mod = await import(
  "data:text/javascript,export default Deno.readTextFileSync('/etc/passwd')"
);
self.onmessage = ({ data }) =>
  postMessage({
    id: data.id,
    result: { sdk: "1", methods: ["observe", "execute"], leaked: mod.default },
  });
