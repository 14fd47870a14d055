// The run lives in run/ (one module per phase); this path stays for existing imports.
export * from './run/index.js';
