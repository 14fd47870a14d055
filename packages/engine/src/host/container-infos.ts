import { type ContainerInfo, isUnrotError, type Logger } from '@unrot/sdk';
import type { ContainerConfig, ListedReading } from './host.js';
import { mapLimit } from './map-limit.js';
import { splitTags } from './parse-tags.js';

/** One container as a node's listing gives it, before its config is read. */
export interface ListedContainer {
  vmid: number;
  name: string;
  status: ContainerInfo['status'];
}

/**
 * Completes a node's listing with each container's config (tags, lock, unprivileged, template,
 * ostype): the same for every host adapter. A container deleted between the listing and its
 * config read is dropped, not an error.
 */
export async function containerInfos(
  listed: readonly ListedContainer[],
  readConfig: (vmid: number) => Promise<ContainerConfig>,
  opts: { concurrency: number; log: Logger; onRead?: (vmid: number, reading: ListedReading) => void; startedAtMs?: number },
): Promise<ContainerInfo[]> {
  const readAtMs = opts.startedAtMs ?? Date.now();
  const infos = await mapLimit(listed, opts.concurrency, async (entry): Promise<ContainerInfo | undefined> => {
    let config: ContainerConfig;
    try {
      config = await readConfig(entry.vmid);
    } catch (error) {
      if (isUnrotError(error) && error.code === 'E_CT_NOT_FOUND') {
        opts.log.debug({ vmid: entry.vmid }, 'container vanished between the listing and its config read; dropped');
        return undefined;
      }
      throw error;
    }
    opts.onRead?.(entry.vmid, { status: entry.status, config, readAtMs });
    const info: ContainerInfo = {
      vmid: entry.vmid,
      name: entry.name,
      status: entry.status,
      tags: splitTags(config['tags']),
      unprivileged: config['unprivileged'] === '1',
      template: config['template'] === '1',
    };
    if (config['lock']) info.lock = config['lock'];
    if (config['ostype']) info.ostype = config['ostype'];
    return info;
  });
  return infos.filter((info): info is ContainerInfo => info !== undefined);
}
