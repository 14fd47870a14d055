import { UnrotError } from '@unrot/sdk';
import { assertCommit, assertRef, type FlatpakRef, fullRef } from './refs.js';

/** One installed ref as `flatpak list --columns=ref,active,version,options,runtime` prints it. */
export interface InstalledRef {
  ref: FlatpakRef;
  commit: string;
  /** The app's version from its metainfo, when it ships one (runtimes often do not). */
  version: string;
  /** The runtime an app runs on (ID/ARCH/BRANCH); undefined for a runtime. */
  runtime: FlatpakRef | undefined;
}

/** One pending update as `flatpak remote-ls --updates --columns=ref,commit,version` prints it. */
export interface PendingRef {
  ref: FlatpakRef;
  commit: string;
  /**
   * The remote's version, from the remote's appstream data as this host last fetched it
   * (`flatpak update` with no ref, or `flatpak update --appstream`); empty when never fetched
   * (measured with 1.14.10), and possibly older than the commit when the cache is stale.
   */
  version: string;
}

/**
 * Tab-separated rows of `count` columns. flatpak leaves trailing empty cells out (measured with
 * 1.14.10: a runtime's empty `runtime` column ends its line after `options`), so a row may be
 * shorter and is padded; `required` leading cells must be there.
 */
function rows(stdout: string, source: string, count: number, required: number): string[][] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((text) => {
      const cells = text.split('\t').map((cell) => cell.trim());
      if (cells.length < required || cells.length > count || cells.slice(0, required).some((cell) => cell === '')) {
        throw new UnrotError('E_RUNNER_PARSE', `${source}: expected ${count} tab-separated columns, got ${JSON.stringify(text)}`, {
          source,
        });
      }
      return [...cells, ...Array<string>(count - cells.length).fill('')];
    });
}

/**
 * `flatpak list` prints refs without their kind; the options column says `runtime` for a
 * runtime (measured with flatpak 1.14: `current` for an app, `runtime` for a runtime).
 * Keyed by the full ref (app/ID/ARCH/BRANCH), the name updates carry.
 */
export function parseList(stdout: string, source: string): Map<string, InstalledRef> {
  const installed = new Map<string, InstalledRef>();
  for (const [refText, active, version, options, runtime] of rows(stdout, source, 5, 2) as [string, string, string, string, string][]) {
    const kind = options.split(',').includes('runtime') ? 'runtime' : 'app';
    const ref = assertRef(refText, source, kind);
    installed.set(fullRef(ref), {
      ref,
      commit: assertCommit(refText, active, source),
      version,
      runtime: kind === 'app' && runtime !== '' ? assertRef(runtime, source, 'runtime') : undefined,
    });
  }
  return installed;
}

export function parseUpdates(stdout: string, source: string): PendingRef[] {
  return rows(stdout, source, 3, 2).map(([refText, commit, version]) => ({
    ref: assertRef(refText as string, source),
    commit: assertCommit(refText as string, commit as string, source),
    version: version as string,
  }));
}

/** `flatpak mask` with no pattern lists the masks, one per line, indented; nothing when none. */
export function parseMasks(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

export interface Remote {
  name: string;
  url: string;
}

/** `flatpak remotes --columns=name,url` (disabled remotes are left out by flatpak itself). */
export function parseRemotes(stdout: string, source: string): Remote[] {
  return rows(stdout, source, 2, 1).map(([name, url]) => ({ name: name as string, url: url as string }));
}

/**
 * The extension points of `flatpak info --show-metadata REF` (a keyfile): the NAME of each
 * `[Extension NAME]` group. Only compared with refs already validated, never put into argv.
 */
export function parseExtensionPoints(metadata: string): string[] {
  return metadata
    .split('\n')
    .map((line) => /^\[Extension ([^\]\s]+)\]\s*$/.exec(line.trim())?.[1])
    .filter((name): name is string => name !== undefined);
}
