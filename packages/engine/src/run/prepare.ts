import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { type LoadedConfig, loadConfig, validateCommandAllowlist, validateRunnerOptions } from '../config/index.js';
import { validateRunnerCaps } from '../config/runner-limits.js';
import { discoverProbes, type ProbeEntry, validateHealthPolicy } from '../health/index.js';
import { type NotificationSetup, prepareNotifications } from '../notify/index.js';
import { discoverRunners, type RunnerEntry } from '../plugins/discover-plugins.js';

export interface Prepared {
  config: LoadedConfig;
  runners: Map<string, RunnerEntry>;
  /** Installed probes by id (health checks); absent means none. */
  probes?: Map<string, ProbeEntry>;
  /** Secrets, their redactor and the notification sinks, checked before anything runs. */
  notifications?: NotificationSetup;
}

/** Phase 1: loads and validates everything a run needs; throws E_CONFIG before anything is executed. */
export async function prepare(configDir: string, pluginRoots: readonly string[]): Promise<Prepared> {
  const config = await loadConfig(configDir);
  const runners = await discoverRunners(pluginRoots);
  validateRunnerOptions(config, runners);
  validateRunnerCaps(config, new Set(runners.keys()));
  validateCommandAllowlist(config, runners);
  const probes = await discoverProbes(pluginRoots);
  validateHealthPolicy(config, probes);
  const globalFile = config.globalFile ?? join(config.dir, 'global.yml');
  const notifications = await prepareNotifications(config.global, pluginRoots, globalFile, (path, opts) =>
    config.locate(globalFile, path, opts),
  );
  return { config, runners, probes, notifications };
}

export function defaultNode(config?: LoadedConfig): string {
  return config?.global.node ?? osHostname().split('.')[0] ?? 'localhost';
}
