export * from './provision/index.js';
export * from './pve/index.js';
