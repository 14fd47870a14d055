import type { TSchema } from '@sinclair/typebox';
import type { DeclaredCommand, OptionsProblem, Runner } from '@unrot/sdk';
import { discoverPluginModules } from './plugin-modules.js';

export interface RunnerEntry {
  id: string;
  kind: 'os' | 'app';
  description: string;
  optionsSchema: TSchema;
  modulePath: string;
  plugin: { name: string; version: string };
  declaredCommands?: (options: unknown) => DeclaredCommand[];
  validateOptions?: (options: unknown) => OptionsProblem[];
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
      {
        id,
        kind: value.kind,
        description: value.description,
        optionsSchema: value.optionsSchema,
        modulePath,
        plugin,
        ...(value.declaredCommands
          ? { declaredCommands: value.declaredCommands.bind(value) as (options: unknown) => DeclaredCommand[] }
          : {}),
        ...(value.validateOptions ? { validateOptions: value.validateOptions.bind(value) as (options: unknown) => OptionsProblem[] } : {}),
      },
    ]),
  );
}
