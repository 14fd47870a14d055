/** `pvesh get PATH [--output-format json|json-pretty]` for the API paths unrot reads. */
import { loadConfig } from '../config-store.js';
import { ctState } from '../lxc.js';
import { sectionEntries } from '../pve-config.js';
import { PveError } from '../pve-errors.js';
import { type SandboxPaths, sandboxPaths } from '../sandbox-root.js';
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
  const local = sandboxPaths();
  const parts = path.replace(/^\/+|\/+$/g, '').split('/');
  if (parts[0] !== 'nodes' || parts.length < 2)
    throw new PveError(`no such path '${path}' (the sandbox implements /nodes/{node}/status and /nodes/{node}/lxc[...])`);
  const paths = parts[1] === 'localhost' ? local : await clusterNodePaths(local, parts[1]!);
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

/** Another node of the sandbox's cluster (pvesh proxies there); offline or unknown nodes fail as pveproxy's proxying does. */
async function clusterNodePaths(local: SandboxPaths, node: string): Promise<SandboxPaths> {
  if (node === local.node) return local;
  const { nodePaths, readCluster } = await import('../cluster.js');
  const target = readCluster(local.root)?.nodes.find((n) => n.name === node);
  if (!target) throw new PveError(`hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`);
  // derived: pvesh proxies through the node's address, which does not answer
  if (!target.online) throw new PveError(`500 Can't connect to ${target.ip}:8006 (No route to host)`);
  return nodePaths(local, node);
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
