/** What every stand-in operation needs: the sandbox paths and the storage config. */
import type { PveSection } from '../pve-config.js';
import type { SandboxPaths } from '../sandbox-root.js';
import { loadStorageCfg, type ResolvedVolume, resolveVolume, type StorageEntry, sectionVolumes } from '../storage-cfg.js';

export interface PveContext {
  paths: SandboxPaths;
  storages: Map<string, StorageEntry>;
  /** Task output (the CLI's stdout). */
  out: (line: string) => void;
}

export async function makeContext(
  paths: SandboxPaths,
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<PveContext> {
  return { paths, storages: await loadStorageCfg(paths), out };
}

export function sectionResolvedVolumes(ctx: PveContext, sec: PveSection): Array<{ key: string; volid: string; vol: ResolvedVolume }> {
  return sectionVolumes(sec.keys).map((v) => ({ ...v, vol: resolveVolume(ctx.storages, v.volid) }));
}
