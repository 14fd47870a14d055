/** Proxmox tag rules (pve-common JSONSchema pve-tag-list, GuestHelpers get_unique_tags). */
import { PveError } from './pve-errors.js';

const TAG_RE = /^[a-z0-9_][a-z0-9_\-+.]*$/i;

/** Split on , ; or whitespace, validate, dedupe, lowercase, sort case-insensitively, join with ';'. */
export function normalizeTags(input: string | string[]): string {
  const list = (Array.isArray(input) ? input : [input]).flatMap((t) => t.split(/[,;\s]+/)).filter(Boolean);
  const seen = new Set<string>();
  for (const tag of list) {
    if (!TAG_RE.test(tag)) throw new PveError('invalid characters in tag');
    seen.add(tag.toLowerCase());
  }
  return [...seen].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })).join(';');
}
