import type { ContainerConfig } from '../host.js';
import type { LxcConfig } from './api-schemas.js';

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  return undefined;
}

/**
 * `GET …/config` in the flat form PctHost's readConfig returns for `pct config`: every key
 * (values as text: the API types numbers, pct prints them) except `digest`, which pct does not
 * print; raw `lxc.*` pairs in file order, a repeated key's values joined with "\n". The API
 * returns `description` undecoded already, as flattenPctConfig leaves it after decoding.
 */
export function containerConfigOf(raw: LxcConfig): ContainerConfig {
  const flat: ContainerConfig = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'digest' || key === 'lxc') continue;
    const t = text(value);
    if (t !== undefined) flat[key] = t;
  }
  for (const [key, value] of raw.lxc ?? []) flat[key] = key in flat ? `${flat[key]}\n${value}` : value;
  return flat;
}
