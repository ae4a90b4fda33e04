// Public surface of src/assert.
export {};
