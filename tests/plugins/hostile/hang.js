// Answers initialization, then never answers: one method spins the CPU, one just waits.
self.onmessage = ({ data }) => {
  if (data.method === "$initialize") {
    postMessage({ id: data.id, result: { sdk: "1", methods: ["observe", "execute"] } });
  } else if (data.method === "observe") {
    while (true) { /* spin */ }
  }
};
