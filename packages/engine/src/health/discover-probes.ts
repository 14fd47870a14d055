import type { TSchema } from '@sinclair/typebox';
import type { DeclaredCommand, Probe } from '@unrot/sdk';
import { discoverPluginModules, loadPluginModule } from '../plugins/plugin-modules.js';

export interface ProbeEntry {
  id: string;
  description: string;
  optionsSchema: TSchema;
  modulePath: string;
  plugin: { name: string; version: string };
  /** The commands a check's options make the probe run (Probe.declaredCommands), for the command allowlist. */
  declaredCommands?: (options: unknown) => DeclaredCommand[];
}

/** Imports a probe module by path (once per thread) and checks it speaks our SDK version. */
export function loadProbeModule(modulePath: string): Promise<Probe<TSchema>> {
  return loadPluginModule<Probe<TSchema>>('probes', modulePath);
}

/** The installed probes (`unrot.probes` of each plugin root), by id. */
export async function discoverProbes(pluginRoots: readonly string[]): Promise<Map<string, ProbeEntry>> {
  const found = await discoverPluginModules<Probe<TSchema>>('probes', pluginRoots);
  return new Map(
    [...found].map(([id, { value, modulePath, plugin }]) => [
      id,
      {
        id,
        description: value.description,
        optionsSchema: value.optionsSchema,
        modulePath,
        plugin,
        ...(value.declaredCommands ? { declaredCommands: value.declaredCommands.bind(value) } : {}),
      },
    ]),
  );
}
