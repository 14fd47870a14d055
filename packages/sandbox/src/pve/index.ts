export * from './config-lock.js';
export * from './config-store.js';
export * from './create-container.js';
export * from './pve-config.js';
export * from './pve-errors.js';
export * from './sandbox-root.js';
export * from './storage-cfg.js';
export * from './tags.js';
