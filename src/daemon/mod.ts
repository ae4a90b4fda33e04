// Public surface of src/daemon.
export {};
