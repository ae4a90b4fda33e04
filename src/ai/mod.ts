// Public surface of src/ai.
export {};
