// Throws before it can register anything.
throw new Error("boom at start");
