/** `pvesm status [--storage ID] [--content C]` with values from statfs of each storage path. */
import { formatPvesmStatus, type StorageStatusRow } from '../ops/formats.js';
import { storageInfo } from '../ops/storage-status.js';
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
    for (const s of storageInfo(storages)) {
      if (p.opts['storage'] && s.id !== p.opts['storage']) continue;
      if (p.opts['content'] && !s.content.includes(p.opts['content'])) continue;
      if (p.opts['enabled'] === '1' && !s.enabled) continue;
      const kib = (bytes: number) => Math.floor(bytes / 1024);
      rows.push({
        id: s.id,
        type: s.type,
        enabled: s.enabled,
        active: s.active,
        totalKiB: kib(s.total),
        usedKiB: kib(s.used),
        availKiB: kib(s.avail),
      });
    }
    process.stdout.write(formatPvesmStatus(rows, process.env['UNROT_SANDBOX_PVESM_HEADER'] === 'legacy'));
    return 0;
  });
}
