export { isAllowed, validateCommandAllowlist } from './command-allowlist.js';
export { ConfigError, type ConfigProblem, formatProblem } from './config-error.js';
export { discoverContainerFiles } from './discover.js';
export { CONFIG_DEFAULTS, type EffectiveGlobal, type EffectivePolicy, effectiveGlobal, effectivePolicy } from './effective-policy.js';
export { bindFleet, type GroupFile, groupMembers, unmatchedGroups } from './group-files.js';
export { GLOBAL_FILE_NAMES, type LoadedConfig, loadConfig } from './load-config.js';
export { renderConfigReference, renderRunnerOptions } from './render-reference.js';
export { type RunnerCatalog, type RunnerCatalogEntry, validateRunnerOptions } from './runner-options.js';
