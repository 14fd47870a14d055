import type { TSchema } from '@sinclair/typebox';
import type { Notifier } from '@unrot/sdk';
import { discoverPluginModules } from '../plugins/plugin-modules.js';

/**
 * The installed notifiers (`unrot.notifiers` of each plugin root), by id. Notifiers run in the
 * main thread, after the run, so they are imported here once.
 */
export async function discoverNotifiers(pluginRoots: readonly string[]): Promise<Map<string, Notifier>> {
  const found = await discoverPluginModules<Notifier<TSchema>>('notifiers', pluginRoots);
  return new Map([...found].map(([id, { value }]) => [id, value as Notifier]));
}
