import { type ContainerInfo, globToRegExp } from '@unrot/sdk';

/** Tags, name globs, ids: the selector forms of rollout waves and group files. */
export interface ContainerSelector {
  tags?: readonly string[];
  names?: readonly string[];
  ids?: readonly number[];
}

/** What a selector looks at: a container's VMID, name and Proxmox tags. */
export type ContainerIdentity = Pick<ContainerInfo, 'vmid' | 'name' | 'tags'>;

/** True when any form matches: an id, a tag (case-insensitive, as Proxmox stores them), or a name glob. */
export function matchesSelector(selector: ContainerSelector, ct: ContainerIdentity): boolean {
  const tags = new Set(ct.tags.map((t) => t.toLowerCase()));
  return (
    (selector.ids ?? []).includes(ct.vmid) ||
    (selector.tags ?? []).some((t) => tags.has(t.toLowerCase())) ||
    (selector.names ?? []).some((glob) => globToRegExp(glob).test(ct.name))
  );
}

/** Whether a selector needs the listed fleet (tags, names) or can be decided from a VMID alone. */
export function needsFleet(selector: ContainerSelector): boolean {
  return (selector.tags?.length ?? 0) + (selector.names?.length ?? 0) > 0;
}
