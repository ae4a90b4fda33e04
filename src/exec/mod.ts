// Public surface of src/exec.
export {};
