/**
 * The Proxmox VE API paths the stand-in serves, each with its parameter schema and permission
 * check as in pve-manager / pve-container / pve-access-control API2 (the `permissions` of each
 * method). Order of checks as in pveproxy's rest_handler: find the handler (501), check
 * permissions (403), verify parameters (400), run (500 with the die text, or the data).
 */

import type { VmStatus } from '../ops/vmstatus.js';
import { PveError } from '../pve-errors.js';
import type { ApiBackend, VzdumpParams } from './backend.js';
import { ParamError, type ParamSchema, verifyParams } from './params.js';
import type { TaskManager } from './tasks.js';
import { type ApiToken, permissionTree, privilegesOn } from './tokens.js';
import { decodeUpid } from './upid.js';

/** An HTTP error with Proxmox's message (and `errors` for 400). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string>,
  ) {
    super(message);
  }
}

export interface ApiResult {
  data: unknown;
  total?: number;
}

export interface CallContext {
  params: Record<string, string>;
  token: ApiToken;
  backend: ApiBackend;
  tasks: TaskManager;
  /** The task manager of another cluster node (its UPIDs name that node). */
  tasksFor?: (node: string) => TaskManager;
  /** raise_perm_exc unless the token has every (or with `any`, one) of `privs` on `path`. */
  check(path: string, privs: string[], any?: boolean): void;
  has(path: string, privs: string[]): boolean;
}

interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** `/nodes/{node}/lxc/{vmid}` style; `{x}` matches one path segment. */
  path: string;
  params: ParamSchema;
  /** The method's static `permissions` check (before parameter verification). */
  perm?: (p: Record<string, string>, c: CallContext) => void;
  handler: (c: CallContext) => Promise<ApiResult>;
}

const NODE = { node: { type: 'node' as const } };
const VMID = { ...NODE, vmid: { type: 'vmid' as const } };
const bool = (v: string | undefined) => v === '1';

/** Every node of the backend's cluster (or the backend's own node alone) with the backend answering for it. */
function clusterNodes(backend: ApiBackend): Array<{ node: string; online: boolean; backend: ApiBackend }> {
  const cluster = backend.cluster?.();
  if (!cluster) return [{ node: backend.node, online: true, backend }];
  return cluster.nodes.map((n) => ({ node: n.name, online: n.online, backend: cluster.backendFor(n.name) }));
}

/**
 * An offline node's guests: pmxcfs still has their configs, pvestatd sends nothing, so
 * /cluster/resources shows them with status `unknown` and no live values.
 */
async function offlineContainers(backend: ApiBackend): Promise<VmStatus[]> {
  return (await backend.containers()).map((s) => {
    const e: VmStatus = { vmid: s['vmid']!, name: s['name']!, status: 'unknown', type: 'lxc' };
    for (const k of ['tags', 'lock', 'template'] as const) if (s[k] !== undefined) e[k] = s[k];
    return e;
  });
}

function resourceOfGuest(s: VmStatus, node: string, online: boolean): Record<string, unknown> {
  const e: Record<string, unknown> = { id: `lxc/${s['vmid']}`, vmid: s['vmid'], node, type: 'lxc', status: s['status'], name: s['name'] };
  e['template'] = s['template'] ?? 0;
  if (online) {
    Object.assign(e, {
      uptime: s['uptime'],
      maxcpu: s['cpus'],
      cpu: s['cpu'],
      maxmem: s['maxmem'],
      mem: s['mem'],
      maxdisk: s['maxdisk'],
      disk: s['disk'],
      netin: s['netin'],
      netout: s['netout'],
      diskread: s['diskread'],
      diskwrite: s['diskwrite'],
    });
  }
  if (s['tags'] !== undefined) e['tags'] = s['tags'];
  if (s['lock'] !== undefined) e['lock'] = s['lock'];
  return e;
}

/**
 * The backend a `/nodes/{node}/…` call goes to. pveproxy proxies a call for another node to that
 * node's address: an unknown name fails the hostname lookup, an offline node the connection (595).
 */
function nodeBackend(c: CallContext): ApiBackend {
  const node = c.params['node'];
  if (node === undefined || node === c.backend.node || node === 'localhost') return c.backend;
  const cluster = c.backend.cluster?.();
  const target = cluster?.nodes.find((n) => n.name === node);
  if (!cluster || !target) {
    // proxyto → remote_node_ip → get_ip_from_hostname
    throw new PveError(`hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`);
  }
  if (!target.online) throw new ApiError(595, 'No route to host');
  return cluster.backendFor(node);
}

/** fork_worker: the call answers with the UPID; the task runs on. */
async function task(c: CallContext, spec: Promise<import('./backend.js').TaskSpec>): Promise<ApiResult> {
  const t = await spec;
  return { data: c.tasks.start(t.type, t.id, c.token.tokenid, t.work) };
}

const vmPath = (p: Record<string, string>) => `/vms/${p['vmid']}`;

export const ROUTES: Route[] = [
  {
    method: 'GET',
    path: '/version',
    params: {},
    handler: async (c) => {
      const m = /^pve-manager\/([^/]+)\/(.+)$/.exec(c.backend.pveversion());
      const version = m?.[1] ?? '9.1.1';
      return { data: { version, release: version.split('.').slice(0, 2).join('.'), repoid: m?.[2] ?? 'unknown' } };
    },
  },
  {
    method: 'GET',
    path: '/access/permissions',
    params: { path: { type: 'string', optional: true }, userid: { type: 'string', optional: true } },
    handler: async (c) => {
      const path = c.params['path'];
      if (path !== undefined) {
        return { data: { [path]: Object.fromEntries([...privilegesOn(c.token, path)].sort().map((p) => [p, 1])) } };
      }
      return { data: permissionTree(c.token) };
    },
  },
  {
    method: 'GET',
    path: '/cluster/resources',
    params: { type: { type: { enum: ['vm', 'storage', 'node', 'sdn'] }, optional: true } },
    handler: async (c) => {
      const type = c.params['type'];
      const out: Array<Record<string, unknown>> = [];
      for (const { node, online, backend } of clusterNodes(c.backend)) {
        if (!type || type === 'vm') {
          for (const s of await (online ? backend.containers() : offlineContainers(backend))) {
            if (c.has(`/vms/${s['vmid']}`, ['VM.Audit'])) out.push(resourceOfGuest(s, node, online));
          }
        }
        if ((!type || type === 'storage') && online) {
          for (const s of await backend.storages()) {
            if (!c.has(`/storage/${s.storage}`, ['Datastore.Audit']) && !c.has(`/storage/${s.storage}`, ['Datastore.AllocateSpace']))
              continue;
            out.push({
              id: `storage/${node}/${s.storage}`,
              storage: s.storage,
              node,
              type: 'storage',
              status: s.active ? 'available' : 'unknown',
              plugintype: s.type,
              content: s.content,
              shared: s.shared,
              disk: s.used,
              maxdisk: s.total,
            });
          }
        }
        if ((!type || type === 'node') && c.has(`/nodes/${node}`, ['Sys.Audit'])) {
          out.push({ id: `node/${node}`, node, type: 'node', status: online ? 'online' : 'offline', level: '' });
        }
      }
      return { data: out };
    },
  },
  {
    method: 'GET',
    path: '/cluster/status',
    params: {},
    perm: (_p, c) => c.check('/', ['Sys.Audit']),
    handler: async (c) => {
      const cluster = c.backend.cluster?.();
      if (!cluster) {
        // A node outside any cluster lists itself alone (nodeid 0, no cluster entry).
        return {
          data: [
            {
              type: 'node',
              id: `node/${c.backend.node}`,
              name: c.backend.node,
              ip: '127.0.0.1',
              online: 1,
              local: 1,
              nodeid: 0,
              level: '',
            },
          ],
        };
      }
      const online = cluster.nodes.filter((n) => n.online).length;
      return {
        data: [
          {
            type: 'cluster',
            id: 'cluster',
            name: cluster.name,
            nodes: cluster.nodes.length,
            quorate: online * 2 > cluster.nodes.length ? 1 : 0,
            version: cluster.nodes.length,
          },
          ...cluster.nodes.map((n, i) => ({
            type: 'node',
            id: `node/${n.name}`,
            name: n.name,
            ip: n.ip,
            online: n.online ? 1 : 0,
            local: n.local ? 1 : 0,
            nodeid: i + 1,
            level: '',
          })),
        ],
      };
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/status',
    params: NODE,
    perm: (p, c) => c.check(`/nodes/${p['node']}`, ['Sys.Audit']),
    handler: async (c) => ({ data: await c.backend.nodeStatus() }),
  },
  {
    method: 'GET',
    path: '/nodes/{node}/lxc',
    params: NODE,
    handler: async (c) => ({ data: (await c.backend.containers()).filter((s) => c.has(`/vms/${s['vmid']}`, ['VM.Audit'])) }),
  },
  {
    method: 'POST',
    path: '/nodes/{node}/lxc',
    params: {
      ...VMID,
      ostemplate: { type: 'string', maxLength: 255 },
      restore: { type: 'boolean', optional: true },
      force: { type: 'boolean', optional: true },
      storage: { type: 'storage-id', optional: true },
      unique: { type: 'boolean', optional: true },
      unprivileged: { type: 'boolean', optional: true },
    },
    handler: async (c) => {
      const p = c.params;
      if (!bool(p['restore'])) throw new PveError("the sandbox's API creates containers only by restoring a backup (restore=1)");
      const vmid = Number(p['vmid']);
      const storage = p['storage'] ?? 'local';
      // create_vm: VM.Allocate for a new CT; VM.Backup is enough to restore over an existing one.
      if (c.backend.vmids().includes(vmid) && bool(p['force'])) c.check(vmPath(p), ['VM.Backup']);
      else c.check(vmPath(p), ['VM.Allocate']);
      c.check(`/storage/${storage}`, ['Datastore.AllocateSpace']);
      return task(c, c.backend.restore(vmid, p['ostemplate']!, { storage, force: bool(p['force']) }));
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/lxc/{vmid}/config',
    params: { ...VMID, current: { type: 'boolean', optional: true }, snapshot: { type: 'snapname', optional: true } },
    perm: (p, c) => c.check(vmPath(p), ['VM.Audit']),
    handler: async (c) => {
      const p = c.params;
      if (bool(p['current']) && p['snapshot'] !== undefined) {
        throw new ApiError(400, 'Parameter verification failed.', { snapshot: "cannot use 'snapshot' parameter with 'current'" });
      }
      return {
        data: await c.backend.config(Number(p['vmid']), {
          current: bool(p['current']),
          ...(p['snapshot'] !== undefined ? { snapshot: p['snapshot'] } : {}),
        }),
      };
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/lxc/{vmid}/pending',
    params: VMID,
    perm: (p, c) => c.check(vmPath(p), ['VM.Audit']),
    handler: async (c) => ({ data: await c.backend.pending(Number(c.params['vmid'])) }),
  },
  {
    method: 'GET',
    path: '/nodes/{node}/lxc/{vmid}/status/current',
    params: VMID,
    perm: (p, c) => c.check(vmPath(p), ['VM.Audit']),
    handler: async (c) => ({ data: { ...(await c.backend.containerStatus(Number(c.params['vmid']))), ha: { managed: 0 } } }),
  },
  ...(['start', 'stop', 'shutdown'] as const).map(
    (action): Route => ({
      method: 'POST',
      path: `/nodes/{node}/lxc/{vmid}/status/${action}`,
      params: {
        ...VMID,
        skiplock: { type: 'boolean', optional: true },
        ...(action === 'shutdown' ? { timeout: { type: 'integer', optional: true }, forceStop: { type: 'boolean', optional: true } } : {}),
        ...(action === 'stop' ? { 'overrule-shutdown': { type: 'boolean', optional: true } } : {}),
        ...(action === 'start' ? { debug: { type: 'boolean', optional: true } } : {}),
      },
      perm: (p, c) => c.check(vmPath(p), ['VM.PowerMgmt']),
      handler: async (c) => {
        const vmid = Number(c.params['vmid']);
        if (action === 'start') return task(c, c.backend.start(vmid));
        if (action === 'stop') return task(c, c.backend.stop(vmid));
        return task(c, c.backend.shutdown(vmid, Number(c.params['timeout'] ?? 60), bool(c.params['forceStop'])));
      },
    }),
  ),
  {
    method: 'GET',
    path: '/nodes/{node}/lxc/{vmid}/snapshot',
    params: VMID,
    perm: (p, c) => c.check(vmPath(p), ['VM.Audit']),
    handler: async (c) => ({ data: await c.backend.snapshots(Number(c.params['vmid'])) }),
  },
  {
    method: 'POST',
    path: '/nodes/{node}/lxc/{vmid}/snapshot',
    params: { ...VMID, snapname: { type: 'snapname' }, description: { type: 'string', optional: true } },
    perm: (p, c) => c.check(vmPath(p), ['VM.Snapshot']),
    handler: async (c) => {
      const name = c.params['snapname']!;
      // API2/LXC/Snapshot.pm snapshot: checked before fork_worker.
      if (name === 'current' || name === 'vzdump') throw new PveError(`unable to use snapshot name '${name}' (reserved name)`);
      return task(c, c.backend.snapshot(Number(c.params['vmid']), name, c.params['description']));
    },
  },
  {
    method: 'DELETE',
    path: '/nodes/{node}/lxc/{vmid}/snapshot/{snapname}',
    params: { ...VMID, snapname: { type: 'snapname' }, force: { type: 'boolean', optional: true } },
    perm: (p, c) => c.check(vmPath(p), ['VM.Snapshot']),
    handler: async (c) => task(c, c.backend.deleteSnapshot(Number(c.params['vmid']), c.params['snapname']!, bool(c.params['force']))),
  },
  {
    method: 'POST',
    path: '/nodes/{node}/lxc/{vmid}/snapshot/{snapname}/rollback',
    params: { ...VMID, snapname: { type: 'snapname' }, start: { type: 'boolean', optional: true } },
    perm: (p, c) => c.check(vmPath(p), ['VM.Snapshot', 'VM.Snapshot.Rollback'], true),
    handler: async (c) => task(c, c.backend.rollback(Number(c.params['vmid']), c.params['snapname']!, bool(c.params['start']))),
  },
  {
    method: 'POST',
    path: '/nodes/{node}/vzdump',
    params: {
      ...NODE,
      vmid: { type: 'vmid-list', optional: true },
      storage: { type: 'storage-id', optional: true },
      mode: { type: { enum: ['snapshot', 'suspend', 'stop'] }, optional: true },
      compress: { type: { enum: ['0', '1', 'gzip', 'lzo', 'zstd'] }, optional: true },
      'notes-template': { type: 'string', optional: true, maxLength: 1024 },
      remove: { type: 'boolean', optional: true },
      zstd: { type: 'integer', optional: true },
      stopwait: { type: 'integer', optional: true },
    },
    handler: async (c) => {
      const p = c.params;
      const vmids = (p['vmid'] ?? '')
        .split(/[,;\s]+/)
        .filter(Boolean)
        .map(Number);
      if (vmids.length === 0) throw new PveError('no VMIDs specified');
      const storage = p['storage'] ?? 'local';
      // VZDump check_perms (before the worker): VM.Backup per guest, AllocateSpace on the target.
      for (const vmid of vmids) c.check(`/vms/${vmid}`, ['VM.Backup']);
      c.check(`/storage/${storage}`, ['Datastore.AllocateSpace']);
      const compress = (p['compress'] === '1' ? 'lzo' : (p['compress'] ?? '0')) as VzdumpParams['compress'];
      const options = Object.keys(p)
        .filter((k) => k !== 'node' && k !== 'vmid')
        .sort()
        .map((k) => `--${k} ${/^[-\w.,:/=@+]+$/.test(p[k]!) ? p[k] : `'${p[k]!.replace(/'/g, "'\"'\"'")}'`}`);
      return task(
        c,
        c.backend.vzdump({
          vmids,
          storage,
          mode: (p['mode'] ?? 'snapshot') as VzdumpParams['mode'],
          compress,
          cmdline: [vmids.join(' '), ...options].join(' '),
          ...(p['notes-template'] !== undefined ? { notesTemplate: p['notes-template'] } : {}),
        }),
      );
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/storage',
    params: {
      ...NODE,
      content: { type: 'string', optional: true },
      storage: { type: 'storage-id', optional: true },
      enabled: { type: 'boolean', optional: true },
    },
    handler: async (c) => {
      const p = c.params;
      const list = (await c.backend.storages()).filter(
        (s) =>
          (c.has(`/storage/${s.storage}`, ['Datastore.Audit']) || c.has(`/storage/${s.storage}`, ['Datastore.AllocateSpace'])) &&
          (p['storage'] === undefined || s.storage === p['storage']) &&
          (p['content'] === undefined || s.content.split(',').includes(p['content'])) &&
          (!bool(p['enabled']) || s.enabled === 1),
      );
      return {
        data: list.map((s) => ({ ...s, used_fraction: s.total > 0 ? s.used / s.total : 0 })),
      };
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/storage/{storage}/status',
    params: { ...NODE, storage: { type: 'storage-id' } },
    perm: (p, c) => c.check(`/storage/${p['storage']}`, ['Datastore.Audit', 'Datastore.AllocateSpace'], true),
    handler: async (c) => {
      const s = (await c.backend.storages()).find((x) => x.storage === c.params['storage']);
      if (!s) throw new PveError(`storage '${c.params['storage']}' does not exist`);
      const { storage: _id, ...rest } = s;
      return { data: rest };
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/storage/{storage}/content',
    params: {
      ...NODE,
      storage: { type: 'storage-id' },
      content: { type: 'string', optional: true },
      vmid: { type: 'vmid', optional: true },
    },
    perm: (p, c) => c.check(`/storage/${p['storage']}`, ['Datastore.Audit', 'Datastore.AllocateSpace'], true),
    handler: async (c) => {
      const p = c.params;
      const list = await c.backend.storageContent(p['storage']!, {
        ...(p['content'] !== undefined ? { content: p['content'] } : {}),
        ...(p['vmid'] !== undefined ? { vmid: Number(p['vmid']) } : {}),
      });
      // Content.pm index: a backup is listed to who may back up its guest or allocate on the storage.
      const storageOk = c.has(`/storage/${p['storage']}`, ['Datastore.AllocateSpace']);
      return { data: list.filter((v) => storageOk || c.has(`/vms/${v['vmid']}`, ['VM.Backup'])) };
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/tasks/{upid}/status',
    params: { ...NODE, upid: { type: 'string', maxLength: 256 } },
    handler: async (c) => {
      const upid = c.params['upid']!;
      const info = decodeUpid(upid);
      // Tasks.pm read_task_status: both are parameter errors.
      if (!info) throw new ApiError(400, 'Parameter verification failed.', { upid: 'unable to parse worker upid' });
      const st = c.tasks.status(upid);
      if (!st) throw new ApiError(400, 'Parameter verification failed.', { upid: 'no such task' });
      ownTaskOrAudit(c, st.user);
      return { data: st };
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/tasks/{upid}/log',
    params: {
      ...NODE,
      upid: { type: 'string', maxLength: 256 },
      start: { type: 'integer', optional: true },
      limit: { type: 'integer', optional: true },
      download: { type: 'boolean', optional: true },
    },
    handler: async (c) => {
      const upid = c.params['upid']!;
      const info = decodeUpid(upid);
      if (!info) throw new ApiError(400, 'Parameter verification failed.', { upid: 'unable to parse worker upid' });
      ownTaskOrAudit(c, info.user);
      // read_task_log: `start // 0`, `limit // 50`; dump_logfile reads to the end when limit is 0.
      const limit = Number(c.params['limit'] ?? 50);
      const log = c.tasks.log(upid, Number(c.params['start'] ?? 0), limit === 0 ? Number.MAX_SAFE_INTEGER : limit);
      if (!log) return { data: [{ n: 1, t: 'unable to open file - No such file or directory' }], total: 1 };
      return { data: log.lines, total: log.total };
    },
  },
];

/** Tasks.pm: the owner may read a task; anyone else needs Sys.Audit on the node. */
function ownTaskOrAudit(c: CallContext, user: string): void {
  if (user === c.token.tokenid) return;
  c.check(`/nodes/${c.params['node']}`, ['Sys.Audit']);
}

function compile(path: string): { re: RegExp; names: string[] } {
  const names: string[] = [];
  const re = path.replace(/\{(\w+)\}/g, (_m, n: string) => {
    names.push(n);
    return '([^/]+)';
  });
  return { re: new RegExp(`^${re}$`), names };
}

const COMPILED = ROUTES.map((r) => ({ route: r, ...compile(r.path) }));

/** Finds the route and its URI params, or undefined (→ 501 "Method 'GET /x' not implemented"). */
export function findRoute(method: string, relPath: string): { route: Route; uriParams: Record<string, string> } | undefined {
  for (const c of COMPILED) {
    if (c.route.method !== method) continue;
    const m = c.re.exec(relPath);
    if (!m) continue;
    const uriParams: Record<string, string> = {};
    c.names.forEach((n, i) => {
      uriParams[n] = decodeURIComponent(m[i + 1]!);
    });
    return { route: c.route, uriParams };
  }
  return undefined;
}

/** Runs one call through permission check, verification and handler; throws ApiError/PveError. */
export async function dispatch(route: Route, params: Record<string, string>, base: Omit<CallContext, 'params'>): Promise<ApiResult> {
  const ctx: CallContext = { ...base, params };
  route.perm?.(params, ctx);
  try {
    ctx.params = verifyParams(route.params, params);
  } catch (err) {
    if (err instanceof ParamError) throw new ApiError(400, 'Parameter verification failed.', err.errors);
    throw err;
  }
  ctx.backend = nodeBackend(ctx);
  if (ctx.backend !== base.backend) ctx.tasks = base.tasksFor?.(ctx.backend.node) ?? ctx.tasks;
  return route.handler(ctx);
}
