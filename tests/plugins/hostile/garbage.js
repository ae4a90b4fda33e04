// Answers with things that are not protocol messages.
self.onmessage = ({ data }) => {
  const { id, method, params } = data;
  if (method === "$initialize") {
    postMessage({ id, result: { sdk: "1", methods: ["observe", "execute"] } });
    return;
  }
  const mode = method === "execute" ? params.step.argv[0] : "invalid-result";
  if (mode === "not-object") postMessage("hello there");
  else if (mode === "wrong-id") postMessage({ id: id + 1000, result: {} });
  else if (mode === "no-id") postMessage({ result: { exitCode: 0 } });
  else if (mode === "invalid-result") postMessage({ id, result: { observations: "nope" } });
  else postMessage({ id, result: { exitCode: "zero", stdout: 1 } });
};
