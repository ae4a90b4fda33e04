// Floods the host with log messages instead of answering.
self.onmessage = ({ data }) => {
  if (data.method === "$initialize") {
    postMessage({ id: data.id, result: { sdk: "1", methods: ["observe", "execute"] } });
    return;
  }
  for (let i = 0; i < 1_000_000; i++) postMessage({ log: "info", message: `spam ${i}` });
};
