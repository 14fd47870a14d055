import type { PveApiClient } from './api-client.js';
import { PermissionsSchema } from './api-schemas.js';

/** What unrot does through the API, each needing its privileges. */
export type ApiFeature = 'inventory' | 'snapshot' | 'rollback' | 'vzdump' | 'restore' | 'power' | 'storage' | 'node-status';

export interface PrivilegeRule {
  feature: ApiFeature;
  /** The API calls this covers, as documentation. */
  calls: string[];
  /** ACL path template: {vmid}, {node}, {storage}. */
  path: '/vms/{vmid}' | '/nodes/{node}' | '/storage/{storage}';
  /** Any one of these privileges is enough (Proxmox's `any => 1`); usually one. */
  anyOf: string[];
  /** What fails without it, in the operator's words. */
  without: string;
}

/**
 * The API calls unrot makes and the privilege each needs (from the `permissions` of the
 * pve-container, pve-manager and pve-storage API methods). Task status and logs of the token's
 * own tasks, `/version` and `/access/permissions` need none.
 */
export const PRIVILEGE_TABLE: readonly PrivilegeRule[] = [
  {
    feature: 'inventory',
    calls: ['GET /nodes/{node}/lxc', 'GET …/lxc/{vmid}/config', 'GET …/pending', 'GET …/status/current', 'GET …/snapshot'],
    path: '/vms/{vmid}',
    anyOf: ['VM.Audit'],
    without:
      'the container is silently missing from the list (Proxmox filters it out), so it is never a target; its config/status/snapshots answer 403',
  },
  {
    feature: 'snapshot',
    calls: ['POST …/lxc/{vmid}/snapshot', 'DELETE …/snapshot/{snapname}'],
    path: '/vms/{vmid}',
    anyOf: ['VM.Snapshot'],
    without: 'the pre-update snapshot fails (403), the container is not updated; pruning old snapshots fails',
  },
  {
    feature: 'rollback',
    calls: ['POST …/snapshot/{snapname}/rollback'],
    path: '/vms/{vmid}',
    anyOf: ['VM.Snapshot.Rollback', 'VM.Snapshot'],
    without: 'a failed update cannot be rolled back to its snapshot (403): the container is left as the update left it and reported',
  },
  {
    feature: 'vzdump',
    calls: ['POST /nodes/{node}/vzdump'],
    path: '/vms/{vmid}',
    anyOf: ['VM.Backup'],
    without: 'backup.mode vzdump (and on_unsupported: vzdump) fail (403) and the container is not updated',
  },
  {
    feature: 'vzdump',
    calls: ['POST /nodes/{node}/vzdump (--storage)'],
    path: '/storage/{storage}',
    anyOf: ['Datastore.AllocateSpace'],
    without: 'vzdump cannot write to backup.vzdump_storage (403)',
  },
  {
    feature: 'restore',
    calls: ['POST /nodes/{node}/lxc (restore=1, force=1)', 'GET /nodes/{node}/storage/{storage}/content'],
    path: '/vms/{vmid}',
    anyOf: ['VM.Backup'],
    without: 'restoring a vzdump archive after a failed update fails (403)',
  },
  {
    feature: 'restore',
    calls: ['POST /nodes/{node}/lxc (restore=1, storage)'],
    path: '/storage/{storage}',
    anyOf: ['Datastore.AllocateSpace'],
    without: 'the restored volumes cannot be allocated (403)',
  },
  {
    feature: 'power',
    calls: ['POST …/lxc/{vmid}/status/start', 'POST …/status/stop'],
    path: '/vms/{vmid}',
    anyOf: ['VM.PowerMgmt'],
    without: 'a container cannot be stopped before a restore or started after it (403)',
  },
  {
    feature: 'storage',
    calls: ['GET /nodes/{node}/storage'],
    path: '/storage/{storage}',
    anyOf: ['Datastore.Audit', 'Datastore.AllocateSpace'],
    without: 'the storage is missing from the list, so the pre-flight storage check cannot see its use',
  },
  {
    feature: 'node-status',
    calls: ['GET /nodes/{node}/status'],
    path: '/nodes/{node}',
    anyOf: ['Sys.Audit'],
    without: 'the node load cannot be read through the API (403)',
  },
];

export interface PrivilegeScope {
  node: string;
  /** Containers to check (targets); none → /vms as a whole. */
  vmids: readonly number[];
  /** Storages to check (backup storages); none → /storage as a whole. */
  storages: readonly string[];
  features: ReadonlySet<ApiFeature>;
}

export interface PrivilegeCheck {
  feature: ApiFeature;
  path: string;
  anyOf: string[];
  ok: boolean;
  without: string;
}

function pathsOf(rule: PrivilegeRule, scope: PrivilegeScope): string[] {
  if (rule.path === '/nodes/{node}') return [`/nodes/${scope.node}`];
  if (rule.path === '/vms/{vmid}') return scope.vmids.length > 0 ? scope.vmids.map((v) => `/vms/${v}`) : ['/vms'];
  return scope.storages.length > 0 ? scope.storages.map((s) => `/storage/${s}`) : ['/storage'];
}

/**
 * Asks Proxmox for the token's effective privileges (`GET /access/permissions?path=…`, which
 * needs no privilege of its own and accounts for privilege separation, groups, pools and
 * propagation) on every path the features need, and compares them with the table.
 */
export async function checkPrivileges(client: PveApiClient, scope: PrivilegeScope, signal?: AbortSignal): Promise<PrivilegeCheck[]> {
  const cache = new Map<string, Record<string, number | boolean>>();
  const privilegesAt = async (path: string) => {
    let privs = cache.get(path);
    if (!privs) {
      const answer = await client.get('/access/permissions', PermissionsSchema, { path }, signal);
      privs = answer[path] ?? {};
      cache.set(path, privs);
    }
    return privs;
  };
  const checks: PrivilegeCheck[] = [];
  for (const rule of PRIVILEGE_TABLE) {
    if (!scope.features.has(rule.feature)) continue;
    for (const path of pathsOf(rule, scope)) {
      const privs = await privilegesAt(path);
      checks.push({
        feature: rule.feature,
        path,
        anyOf: rule.anyOf,
        ok: rule.anyOf.some((p) => privs[p] !== undefined),
        without: rule.without,
      });
    }
  }
  return checks;
}
