// The policy file schemas (global.yml, containers/<CTID>.yml): the single source of truth for
// validation and for docs/config-reference.md. Engine-only: plugins validate their own options.
export * from './caps-schema.js';
export * from './commands-schema.js';
export * from './exclusions-schema.js';
export * from './fleet-schema.js';
export * from './group-schema.js';
export * from './health-schema.js';
export * from './host-schema.js';
export * from './maintenance-schema.js';
export * from './notifications-schema.js';
export * from './policy-schema.js';
export * from './rollout-schema.js';
export * from './selector-schema.js';
