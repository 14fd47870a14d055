/** Go's semver ordering (golang.org/x/mod/semver): numeric core, a prerelease sorts before its release, build metadata ignored. */
const PARTS = /^v(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

function compareIds(a: string, b: string): number {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return p.length !== q.length ? p.length - q.length : p < q ? -1 : 1;
    if (pn !== qn) return pn ? -1 : 1;
    return p < q ? -1 : 1;
  }
  return 0;
}

/** <0, 0, >0 like a comparator; an invalid version sorts below every valid one (as Go's does). */
export function compareGoVersions(a: string, b: string): number {
  const x = PARTS.exec(a);
  const y = PARTS.exec(b);
  if (!x || !y) return (x ? 1 : 0) - (y ? 1 : 0);
  for (let i = 1; i <= 3; i++) {
    const d = BigInt(x[i] ?? 0) - BigInt(y[i] ?? 0);
    if (d !== 0n) return d < 0n ? -1 : 1;
  }
  if (x[4] === y[4]) return 0;
  if (x[4] === undefined) return 1;
  if (y[4] === undefined) return -1;
  return compareIds(x[4], y[4]);
}

export function goMajor(version: string): number | undefined {
  const m = PARTS.exec(version);
  return m ? Number(m[1]) : undefined;
}
