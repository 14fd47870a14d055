import type { FlatpakRef } from './refs.js';

function partRegExp(part: string): string {
  return part
    .split('*')
    .map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
}

/**
 * Whether a `flatpak mask` pattern covers a ref. Patterns are partial refs (flatpak-mask(1)):
 * `org.some.App`, `org.some.App//unstable`, `app/org.domain.*`, `org.some.App/arm`; `*` matches
 * within one part, an empty or missing part matches any.
 */
export function maskMatches(pattern: string, ref: FlatpakRef): boolean {
  let parts = pattern.split('/');
  if (parts[0] === 'app' || parts[0] === 'runtime') {
    if (parts[0] !== ref.kind) return false;
    parts = parts.slice(1);
  }
  if (parts.length > 3) return false;
  const values = [ref.id, ref.arch, ref.branch];
  return parts.every((part, i) => part === '' || new RegExp(`^${partRegExp(part)}$`).test(values[i] as string));
}

export function maskFor(patterns: readonly string[], ref: FlatpakRef): string | undefined {
  return patterns.find((pattern) => maskMatches(pattern, ref));
}
