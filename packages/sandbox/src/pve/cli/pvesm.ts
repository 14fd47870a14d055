/** `pvesm status [--storage ID] [--content C]` with values from statfs of each storage path. */
import { statfsSync } from 'node:fs';
import { formatPvesmStatus, type StorageStatusRow } from '../ops/formats.js';
import { PveError } from '../pve-errors.js';
import { sandboxPaths } from '../sandbox-root.js';
import { loadStorageCfg } from '../storage-cfg.js';
import { type CommandSpec, parseCommand } from './getopt.js';
import { runMain } from './main.js';

const SPEC: CommandSpec = {
  prefix: 'pvesm status',
  args: [],
  options: { storage: 'string', content: 'string', enabled: 'boolean', target: 'string', format: 'boolean' },
};

export async function main(argv: string[]): Promise<void> {
  await runMain(async () => {
    const [verb, ...rest] = argv;
    if (verb !== 'status') throw new PveError(`ERROR: the sandbox's pvesm supports only 'status' (got '${verb ?? ''}')`);
    const p = parseCommand(SPEC, rest);
    const storages = await loadStorageCfg(sandboxPaths());
    if (p.opts['storage'] && !storages.has(p.opts['storage'])) throw new PveError(`storage '${p.opts['storage']}' does not exist`);
    const rows: StorageStatusRow[] = [];
    for (const s of storages.values()) {
      if (p.opts['storage'] && s.id !== p.opts['storage']) continue;
      if (p.opts['content'] && !s.content.includes(p.opts['content'])) continue;
      const row: StorageStatusRow = { id: s.id, type: s.type, enabled: !s.disabled, active: false, totalKiB: 0, usedKiB: 0, availKiB: 0 };
      if (!s.disabled) {
        try {
          const st = statfsSync(s.path);
          row.active = true;
          row.totalKiB = Math.floor((st.blocks * st.bsize) / 1024);
          row.usedKiB = Math.floor(((st.blocks - st.bfree) * st.bsize) / 1024);
          row.availKiB = Math.floor((st.bavail * st.bsize) / 1024);
        } catch {
          // a missing path is an inactive storage
        }
      }
      if (p.opts['enabled'] === '1' && !row.enabled) continue;
      rows.push(row);
    }
    process.stdout.write(formatPvesmStatus(rows, process.env['UNROT_SANDBOX_PVESM_HEADER'] === 'legacy'));
    return 0;
  });
}
