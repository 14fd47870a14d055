/**
 * What an update's `from`/`to` say. The version (an app's metainfo release) is what an admin
 * knows an app by; the ostree commit is what flatpak deploys. Versions are shown when both sides
 * have one and they differ; otherwise (a runtime without a version, a rebuild of the same
 * version, a remote whose appstream the host has not fetched) both sides are short commits, so
 * the two sides never mix kinds.
 */

/** A version as a report may show it; anything else from the container is treated as no version. */
const VERSION = /^[A-Za-z0-9][A-Za-z0-9.+~_-]{0,63}$/;

/** The commit as flatpak prints it: its first 12 hex digits. */
export function shortCommit(commit: string): string {
  return commit.slice(0, 12);
}

export function usableVersion(version: string | undefined): string | undefined {
  return version !== undefined && VERSION.test(version) ? version : undefined;
}

export interface Deployed {
  commit: string;
  version?: string | undefined;
}

/** Pure: the `from`/`to` of an update from `before` (null when newly installed) to `after`. */
export function updateLabels(before: Deployed | undefined, after: Deployed): { from: string | null; to: string } {
  const was = usableVersion(before?.version);
  const now = usableVersion(after.version);
  if (before && was !== undefined && now !== undefined && was !== now) return { from: was, to: now };
  if (!before) return { from: null, to: now ?? shortCommit(after.commit) };
  return { from: shortCommit(before.commit), to: shortCommit(after.commit) };
}

/** What a stored check result may carry as `to`: a version or a commit (re-validated before plan). */
export function isLabel(text: string): boolean {
  return VERSION.test(text);
}

/**
 * Pure: check's `from`/`to`. The remote's version comes from appstream data cached by the host's
 * last `flatpak update`, which may be older than the pending commit (measured: remote-ls pairs
 * the new commit with the cached version). A cached version that does not sort after the
 * installed one (numeric-aware) is such a stale one, so check shows commits instead; apply's
 * read-back (flatpak list on both sides) is what the report trusts.
 */
export function pendingLabels(installed: Deployed, remote: Deployed): { from: string | null; to: string } {
  const was = usableVersion(installed.version);
  const now = usableVersion(remote.version);
  const newer = was !== undefined && now !== undefined && now.localeCompare(was, 'en', { numeric: true }) > 0;
  return newer ? { from: was, to: now } : updateLabels(installed, { commit: remote.commit });
}
