import type { TSchema } from '@sinclair/typebox';
import type { Runner } from '@unrot/sdk';
import { discoverPluginModules } from './plugin-modules.js';

export interface RunnerEntry {
  id: string;
  kind: 'os' | 'app';
  description: string;
  optionsSchema: TSchema;
  modulePath: string;
  plugin: { name: string; version: string };
}

/**
 * The installed runners, by id. Only commands that need runners call this, so
 * `unrot --version` never pays for importing them.
 */
export async function discoverRunners(pluginRoots: readonly string[]): Promise<Map<string, RunnerEntry>> {
  const found = await discoverPluginModules<Runner<TSchema>>('runners', pluginRoots);
  return new Map(
    [...found].map(([id, { value, modulePath, plugin }]) => [
      id,
      { id, kind: value.kind, description: value.description, optionsSchema: value.optionsSchema, modulePath, plugin },
    ]),
  );
}
