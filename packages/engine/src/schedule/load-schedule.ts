import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, type ConfigProblem } from '../config/config-error.js';
import { CONFIG_DEFAULTS } from '../config/effective-policy.js';
import { GLOBAL_FILE_NAMES } from '../config/load-config.js';
import { schemaProblems } from '../config/schema-problems.js';
import { type MaintenancePolicy, MaintenancePolicySchema } from './policy-schema.js';
import { maintenanceProblems, resolveSchedule } from './resolve-schedule.js';
import type { MaintenanceSchedule } from './schedule.js';
import { type StopTimeouts, stopTimeoutSeconds } from './systemd-units.js';

export interface LoadedSchedule {
  configDir: string;
  globalFile: string;
  schedule: MaintenanceSchedule;
  /** systemd TimeoutStopSec from the step timeouts in `defaults.timeouts` (the default ones where unset) */
  stopTimeoutS: number;
}

/** The global `defaults.timeouts` block, read loosely: `unrot validate` checks it strictly; here only numbers count. */
function stopTimeoutOf(root: unknown): number {
  const defaults = typeof root === 'object' && root !== null ? (root as Record<string, unknown>)['defaults'] : undefined;
  const own = typeof defaults === 'object' && defaults !== null ? (defaults as Record<string, unknown>)['timeouts'] : undefined;
  const pick = (key: keyof StopTimeouts): number => {
    const v = typeof own === 'object' && own !== null ? (own as Record<string, unknown>)[key] : undefined;
    return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : CONFIG_DEFAULTS.timeouts[key];
  };
  return stopTimeoutSeconds({ backup: pick('backup'), apply: pick('apply'), verify: pick('verify'), rollback: pick('rollback') });
}

/**
 * Reads only the `maintenance:` block of DIR/global.yml, validated with line numbers. The
 * schedule commands use it so they work whether or not the full policy schema knows the key;
 * `unrot validate` checks the whole file.
 */
export async function loadSchedule(dir: string, defaultTimeZone?: string): Promise<LoadedSchedule> {
  const configDir = resolve(dir);
  let found: { file: string; text: string } | undefined;
  for (const name of GLOBAL_FILE_NAMES) {
    const file = join(configDir, name);
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw new ConfigError([{ file, path: '', message: `cannot be read: ${err.code ?? err.message}`, expected: 'a readable YAML file' }]);
    });
    if (text !== undefined) {
      found = { file, text };
      break;
    }
  }
  if (!found) {
    throw new ConfigError(
      [{ file: join(configDir, 'global.yml'), path: '', message: 'file not found', expected: 'a global.yml (it may be empty)' }],
      `no global.yml in ${configDir}`,
    );
  }
  const { parseYamlFile, siteOf } = await import('../config/yaml-file.js');
  const src = parseYamlFile(found.file, found.text);
  const problems: ConfigProblem[] = [...src.problems];
  const root = src.value ?? {};
  const maintenance = typeof root === 'object' && root !== null ? (root as Record<string, unknown>)['maintenance'] : undefined;
  if (problems.length === 0 && maintenance !== undefined) {
    const schema = schemaProblems(MaintenancePolicySchema, maintenance, siteOf(src), ['maintenance']);
    problems.push(...schema);
    if (schema.length === 0) problems.push(...maintenanceProblems(maintenance as MaintenancePolicy, siteOf(src)));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    configDir,
    globalFile: found.file,
    schedule: resolveSchedule(maintenance as MaintenancePolicy | undefined, defaultTimeZone),
    stopTimeoutS: stopTimeoutOf(root),
  };
}
