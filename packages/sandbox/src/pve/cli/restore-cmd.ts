/** `pct restore` CLI glue. */
import { makeContext } from '../ops/context.js';
import { type RestoreOptions, restoreCt } from '../ops/restore.js';
import type { SandboxPaths } from '../sandbox-root.js';

export async function restore(paths: SandboxPaths, vmid: number, archive: string, opts: RestoreOptions): Promise<number> {
  await restoreCt(await makeContext(paths), vmid, archive, opts);
  return 0;
}
