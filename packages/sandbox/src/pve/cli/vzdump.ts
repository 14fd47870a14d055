/** `vzdump` stand-in CLI: `vzdump VMID... [--storage S] [--mode M] [--compress C] [--notes-template T]`. */
import { availableParallelism } from 'node:os';
import type { Compress } from '../ops/archive.js';
import { makeContext } from '../ops/context.js';
import { type BackupMode, vzdumpJob } from '../ops/vzdump.js';
import { PveError } from '../pve-errors.js';
import { sandboxPaths } from '../sandbox-root.js';
import { type CommandSpec, paramError, parseCommand, vmidError } from './getopt.js';
import { runMain } from './main.js';

const SPEC: CommandSpec = {
  prefix: 'vzdump',
  args: [],
  extraArgs: true,
  options: {
    storage: 'string',
    mode: 'string',
    compress: 'string',
    'notes-template': 'string',
    zstd: 'integer',
    node: 'string',
    remove: 'boolean',
    stopwait: 'integer',
  },
};

/** PVE::Tools::shellquote for the job line. */
function shellquote(v: string): string {
  return /^[-\w.,:/=@+]+$/.test(v) ? v : `'${v.replace(/'/g, "'\"'\"'")}'`;
}

export async function main(argv: string[]): Promise<void> {
  process.env['PATH'] = '/sbin:/bin:/usr/sbin:/usr/bin';
  await runMain(async () => {
    const p = parseCommand(SPEC, argv);
    const errors: Record<string, string> = {};
    const mode = p.opts['mode'] ?? 'snapshot';
    if (!['snapshot', 'suspend', 'stop'].includes(mode))
      errors['mode'] = `value '${mode}' does not have a value in the enumeration 'snapshot, suspend, stop'`;
    let compress = p.opts['compress'] ?? '0';
    if (!['0', '1', 'gzip', 'lzo', 'zstd'].includes(compress))
      errors['compress'] = `value '${compress}' does not have a value in the enumeration '0, 1, gzip, lzo, zstd'`;
    if (compress === '1') compress = 'lzo';
    for (const v of p.extra) {
      const err = vmidError(v);
      if (err) errors['vmid'] = err;
    }
    if (Object.keys(errors).length > 0) throw paramError(SPEC, 'Parameter verification failed.', errors);
    if (p.extra.length === 0) throw new PveError('no VMIDs specified');
    const zstd = Number(p.opts['zstd'] ?? 1);
    const cmdline = [
      ...p.extra,
      ...argv.flatMap((a, i) => {
        const m = /^--?([\w-]+)(?:=(.*))?$/.exec(a);
        if (!m || !(m[1]! in SPEC.options)) return [];
        const value = m[2] ?? argv[i + 1] ?? '';
        return [`--${m[1]}`, shellquote(value)];
      }),
    ].join(' ');
    const ctx = await makeContext(sandboxPaths());
    const ok = await vzdumpJob(ctx, p.extra.map(Number), {
      storage: p.opts['storage'] ?? 'local',
      mode: mode as BackupMode,
      compress: compress as Compress,
      zstdThreads: zstd === 0 ? Math.max(1, Math.floor(availableParallelism() / 2)) : zstd,
      cmdline,
      stopwaitMin: Number(p.opts['stopwait'] ?? 10),
      ...(p.opts['notes-template'] !== undefined ? { notesTemplate: p.opts['notes-template'] } : {}),
    });
    if (!ok) throw new PveError('job errors');
    return 0;
  });
}
