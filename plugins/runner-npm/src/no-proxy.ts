/**
 * npm's `noproxy` rule (@npmcli/agent): an entry matches when its dot-separated labels are the
 * last labels of the host (`.internal` and `internal` both match `reg.internal`). No wildcards.
 */
export function inNoProxy(host: string, noProxy: string | undefined): boolean {
  const hostLabels = host.toLowerCase().split('.').reverse();
  return (noProxy ?? '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean)
    .some((entry) => {
      const labels = entry.split('.').filter(Boolean).reverse();
      return labels.length > 0 && labels.every((label, i) => hostLabels[i] === label);
    });
}
