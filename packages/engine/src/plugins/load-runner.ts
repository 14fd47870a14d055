import { pathToFileURL } from 'node:url';
import type { TSchema } from '@sinclair/typebox';
import { type Runner, SDK_VERSION, UnrotError } from '@unrot/sdk';

const cache = new Map<string, Promise<Runner<TSchema>>>();

function isRunner(value: unknown): value is Runner<TSchema> {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r['id'] === 'string' &&
    typeof r['detect'] === 'function' &&
    typeof r['check'] === 'function' &&
    typeof r['plan'] === 'function' &&
    typeof r['apply'] === 'function'
  );
}

/** Imports a runner module by path (once per thread) and checks it speaks our SDK version. */
export function loadRunnerModule(modulePath: string): Promise<Runner<TSchema>> {
  let pending = cache.get(modulePath);
  if (!pending) {
    pending = (async () => {
      let mod: Record<string, unknown>;
      try {
        mod = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
      } catch (error) {
        throw new UnrotError('E_PLUGIN_LOAD', `cannot import runner module ${modulePath}: ${(error as Error).message}`, { modulePath });
      }
      const runner = mod['default'] ?? mod['runner'];
      if (!isRunner(runner))
        throw new UnrotError('E_PLUGIN_LOAD', `${modulePath} exports no runner (default export or \`runner\`)`, { modulePath });
      if (runner.sdk !== SDK_VERSION) {
        throw new UnrotError(
          'E_PLUGIN_INCOMPATIBLE',
          `runner ${runner.id} targets SDK ${String(runner.sdk)}, this unrot speaks SDK ${SDK_VERSION}`,
          { modulePath },
        );
      }
      return runner;
    })();
    cache.set(modulePath, pending);
    pending.catch(() => cache.delete(modulePath));
  }
  return pending;
}
