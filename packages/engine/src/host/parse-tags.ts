/**
 * Splits a stored Proxmox tag string (`pve-tag-list`) into tags. PVE itself splits on
 * `;`, `,` and whitespace when it parses the list, and deduplicates on write; a config
 * edited by hand may still hold duplicates, so we deduplicate too (first one wins, order kept).
 */
export function splitTags(raw: string | undefined | null): string[] {
  if (raw === undefined || raw === null) return [];
  const tags: string[] = [];
  for (const tag of raw.split(/[;,\s]+/)) {
    if (tag !== '' && !tags.includes(tag)) tags.push(tag);
  }
  return tags;
}
