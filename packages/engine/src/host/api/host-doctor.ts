import { isUnrotError } from '@unrot/sdk';
import { effectivePolicy } from '../../config/effective-policy.js';
import { bindFleet } from '../../config/group-files.js';
import { type LoadedConfig, loadConfig } from '../../config/load-config.js';
import { asHostError } from '../../report/exit-codes.js';
import type { ApiHostSpec } from './api-host-spec.js';
import { type ApiFeature, checkPrivileges, type PrivilegeCheck } from './api-privileges.js';
import { VersionSchema } from './api-schemas.js';
import { configuredHostSpec, createApiHost, type HostChoiceOptions } from './host-choice.js';

export interface HostDoctorReport {
  /** What `host.api` resolved to. */
  mode: 'cli' | 'api';
  node: string;
  url?: string;
  tokenId?: string;
  /** pve-manager version the API reported. */
  version?: string;
  features: ApiFeature[];
  checks: PrivilegeCheck[];
  missing: PrivilegeCheck[];
  /** Containers with a policy file (or named by a group file's ids) that the token cannot see (no VM.Audit, or they do not exist). */
  invisible: number[];
  ok: boolean;
}

/** The API features a policy needs: inventory and storage always; snapshots and rollback, or vzdump and restore, as backup modes ask. */
export function featuresFor(config: LoadedConfig, vmids: readonly number[]): Set<ApiFeature> {
  const features = new Set<ApiFeature>(['inventory', 'storage']);
  for (const vmid of vmids.length > 0 ? vmids : [100]) {
    const { backup } = effectivePolicy(config, vmid);
    if (backup.mode === 'snapshot') features.add('snapshot').add('rollback');
    if (backup.mode === 'vzdump' || (backup.mode === 'snapshot' && backup.onUnsupported === 'vzdump'))
      features.add('vzdump').add('restore').add('power');
  }
  return features;
}

/**
 * `unrot doctor`: resolves `host:` like a run does, then (API) reaches pveproxy with the token
 * (TLS, auth), lists what the token can see, and checks its effective privileges against what
 * the policy's features need, per container and storage. Errors (E_API_AUTH, E_API_TLS,
 * E_API_UNREACHABLE, E_CONFIG) are thrown as they are: each is the diagnosis.
 */
export async function hostDoctor(configDir: string, options: HostChoiceOptions = {}): Promise<HostDoctorReport> {
  const config = await loadConfig(configDir);
  const spec = await configuredHostSpec(config, options);
  if (spec.kind !== 'api') return { mode: 'cli', node: spec.node, features: [], checks: [], missing: [], invisible: [], ok: true };
  try {
    return await checkApi(config, spec);
  } catch (error) {
    // The API could not be asked (auth, TLS, refused, a 403 on a read): "host not queryable", exit 3.
    throw isUnrotError(error) && error.code.startsWith('E_API_') ? asHostError(error) : error;
  }
}

async function checkApi(config: LoadedConfig, spec: ApiHostSpec): Promise<HostDoctorReport> {
  const host = await createApiHost(spec);
  const version = await host.client.get('/version', VersionSchema);
  const visible = await host.listContainers();
  bindFleet(config, visible);
  const visibleIds = new Set(visible.map((c) => c.vmid));
  const groupIds = config.groups.flatMap((g) => g.selectors.ids ?? []);
  const configured = [...new Set([...config.containers.keys(), ...groupIds, ...(config.global.targets?.allow ?? [])])].sort(
    (a, b) => a - b,
  );
  const invisible = configured.filter((v) => !visibleIds.has(v));
  const vmids = [...new Set([...visibleIds, ...configured])].sort((a, b) => a - b);
  const features = featuresFor(config, vmids);
  const storages = new Set<string>();
  for (const vmid of vmids) {
    const { backup } = effectivePolicy(config, vmid);
    if (features.has('vzdump')) storages.add(backup.vzdumpStorage);
    if (!visibleIds.has(vmid)) continue;
    const rootfs = await host.readConfig(vmid).then(
      (c) => c['rootfs'],
      (error: unknown) => (isUnrotError(error) ? undefined : Promise.reject(error)),
    );
    const storage = rootfs?.split(':')[0];
    if (storage && !storage.startsWith('/')) storages.add(storage);
  }
  const checks = await checkPrivileges(host.client, { node: spec.node, vmids, storages: [...storages].sort(), features });
  const missing = checks.filter((c) => !c.ok);
  return {
    mode: 'api',
    node: spec.node,
    url: spec.url,
    tokenId: spec.token.id,
    version: version.version,
    features: [...features],
    checks,
    missing,
    invisible,
    ok: missing.length === 0 && invisible.length === 0,
  };
}
