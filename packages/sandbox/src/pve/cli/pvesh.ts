/** `pvesh get PATH [--output-format json|json-pretty]` for the API paths unrot reads. */
import { loadConfig } from '../config-store.js';
import { ctState } from '../lxc.js';
import { sectionEntries } from '../pve-config.js';
import { PveError } from '../pve-errors.js';
import { sandboxPaths } from '../sandbox-root.js';
import { type CommandSpec, paramError, parseCommand } from './getopt.js';
import { runMain } from './main.js';

const SPEC: CommandSpec = {
  prefix: 'pvesh get',
  args: ['api_path'],
  options: {
    'output-format': 'string',
    noproxy: 'boolean',
    quiet: 'boolean',
    'human-readable': 'boolean',
    noborder: 'boolean',
    noheader: 'boolean',
  },
};
const FORMATS = ['text', 'json', 'json-pretty', 'yaml'];

/** PVE_SANDBOX pveversion string; not a real pve-manager build. */
export const SANDBOX_PVEVERSION = 'pve-manager/9.1.1/unrot-sandbox';

async function getPath(path: string): Promise<unknown> {
  const paths = sandboxPaths();
  const parts = path.replace(/^\/+|\/+$/g, '').split('/');
  if (parts[0] !== 'nodes' || parts.length < 2)
    throw new PveError(`no such path '${path}' (the sandbox implements /nodes/{node}/status and /nodes/{node}/lxc[...])`);
  if (parts[1] !== paths.node && parts[1] !== 'localhost')
    throw new PveError(`hostname lookup '${parts[1]}' failed - the sandbox only has node '${paths.node}'`);
  const rest = parts.slice(2).join('/');
  if (rest === 'status')
    return (await import('../ops/node-status.js')).nodeStatus(process.env['UNROT_SANDBOX_PVEVERSION'] || SANDBOX_PVEVERSION);
  if (rest === 'lxc') return (await import('../ops/ct-status.js')).containerStatuses(paths);
  const m = /^lxc\/(\d+)(?:\/(.*))?$/.exec(rest);
  if (m) {
    const vmid = Number(m[1]);
    const conf = loadConfig(paths, vmid);
    const sub = m[2] ?? '';
    if (sub === 'status/current')
      return { ...(await (await import('../ops/ct-status.js')).containerStatus(paths, vmid)), ha: { managed: 0 } };
    if (sub === 'config') {
      const { applyPending } = await import('../pve-config.js');
      const main = applyPending(conf);
      const entries: Record<string, unknown> = sectionEntries(main);
      if (main.lxc.length > 0) entries['lxc'] = main.lxc;
      return entries;
    }
    if (sub === 'snapshot') {
      const { snapshotList } = await import('../ops/snapshots.js');
      const isRunning = (await ctState(paths, vmid)) === 'running' ? 1 : 0;
      return snapshotList(conf).map((e) => (e.name === 'current' ? { ...e, running: isRunning } : e));
    }
  }
  throw new PveError(`no such path '${path}' (not implemented by the sandbox)`);
}

export async function main(argv: string[]): Promise<void> {
  await runMain(async () => {
    const [verb, ...rest] = argv;
    if (verb !== 'get') throw new PveError(`ERROR: the sandbox's pvesh supports only 'get' (got '${verb ?? ''}')`);
    const p = parseCommand(SPEC, rest);
    const format = p.opts['output-format'] ?? 'text';
    if (!FORMATS.includes(format)) {
      throw paramError(SPEC, 'Parameter verification failed.', {
        'output-format': `value '${format}' does not have a value in the enumeration '${FORMATS.join(', ')}'`,
      });
    }
    if (format !== 'json' && format !== 'json-pretty')
      throw new PveError(`output format '${format}' is not implemented by the sandbox; use --output-format json`);
    const data = await getPath(p.args['api_path']!);
    const { canonicalJson, canonicalJsonPretty } = await import('../ops/vmstatus.js');
    process.stdout.write(format === 'json' ? `${canonicalJson(data)}\n` : `${canonicalJsonPretty(data)}\n`);
    return 0;
  });
}
