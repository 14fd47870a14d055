/** An rpm version: epoch (0 when the package has none), version and release. */
export interface Evr {
  epoch: number;
  version: string;
  release: string;
}

/** `1.1-1`, or `2:1.1-1` when the epoch is not 0: how dnf prints versions. */
export function formatEvr(evr: Evr): string {
  return `${evr.epoch === 0 ? '' : `${evr.epoch}:`}${evr.version}-${evr.release}`;
}

const SEGMENT = /^([0-9]+|[A-Za-z]+)/;

/**
 * rpm's rpmvercmp: compares alternating runs of digits and letters, other characters only
 * separate; `~` sorts before anything (pre-releases), `^` after the end but before more
 * segments (snapshots); a numeric run beats an alphabetic one.
 */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let x = a;
  let y = b;
  for (;;) {
    x = x.replace(/^[^A-Za-z0-9~^]+/, '');
    y = y.replace(/^[^A-Za-z0-9~^]+/, '');
    if (x.startsWith('~') || y.startsWith('~')) {
      if (!x.startsWith('~')) return 1;
      if (!y.startsWith('~')) return -1;
      x = x.slice(1);
      y = y.slice(1);
      continue;
    }
    if (x.startsWith('^') || y.startsWith('^')) {
      if (x === '') return -1;
      if (y === '') return 1;
      if (!x.startsWith('^')) return 1;
      if (!y.startsWith('^')) return -1;
      x = x.slice(1);
      y = y.slice(1);
      continue;
    }
    if (x === '' || y === '') break;
    const sx = SEGMENT.exec(x)?.[1] ?? '';
    const sy = SEGMENT.exec(y)?.[1] ?? '';
    const numeric = /^[0-9]/.test(sx);
    // A numeric segment is newer than an alphabetic one.
    if (numeric !== /^[0-9]/.test(sy)) return numeric ? 1 : -1;
    if (numeric) {
      const nx = sx.replace(/^0+/, '');
      const ny = sy.replace(/^0+/, '');
      if (nx.length !== ny.length) return nx.length > ny.length ? 1 : -1;
      if (nx !== ny) return nx > ny ? 1 : -1;
    } else if (sx !== sy) {
      return sx > sy ? 1 : -1;
    }
    x = x.slice(sx.length);
    y = y.slice(sy.length);
  }
  if (x === '' && y === '') return 0;
  return x === '' ? -1 : 1;
}

export function compareEvr(a: Evr, b: Evr): number {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch ? 1 : -1;
  return rpmvercmp(a.version, b.version) || rpmvercmp(a.release, b.release);
}
