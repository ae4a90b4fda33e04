// Starts fine, then dies from an uncaught error while handling a request.
self.onmessage = ({ data }) => {
  if (data.method === "$initialize") {
    postMessage({ id: data.id, result: { sdk: "1", methods: ["observe", "execute"] } });
    return;
  }
  setTimeout(() => {
    throw new Error("boom while working");
  }, 0);
};
