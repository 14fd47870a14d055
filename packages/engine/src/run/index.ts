export { defaultNode, type Prepared, prepare } from './prepare.js';
export { resolveFleet } from './resolve-fleet.js';
export { DEFAULT_MAX_CONCURRENCY, DEFAULT_STATE_DIR, NOTIFY_DEADLINE_MS, type RunOptions, type RunOutcome } from './run-options.js';
export { runUnrot } from './run-unrot.js';
