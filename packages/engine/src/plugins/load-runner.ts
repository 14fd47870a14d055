import type { TSchema } from '@sinclair/typebox';
import type { Runner } from '@unrot/sdk';
import { loadPluginModule } from './plugin-modules.js';

/** Imports a runner module by path (once per thread); used in the worker threads. */
export function loadRunnerModule(modulePath: string): Promise<Runner<TSchema>> {
  return loadPluginModule<Runner<TSchema>>('runners', modulePath);
}
