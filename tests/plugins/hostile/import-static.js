// A bundle that is not self-contained: it imports a file the host never checked.
import secret from "./secret.json" with { type: "json" };
self.onmessage = ({ data }) =>
  postMessage({ id: data.id, result: { sdk: "1", methods: [], secret } });
