import { posix } from 'node:path';
import type { Exec } from '@unrot/sdk';
import { versionArgv } from './commands.js';

/** `/opt/app/`, `/opt/app/composer.json` and `/opt/app` all name the project `/opt/app`. */
export function projectDir(configured: string): string {
  const normalized = posix.normalize(configured).replace(/\/+$/, '') || '/';
  return posix.basename(normalized) === 'composer.json' ? posix.dirname(normalized) : normalized;
}

/** Asks for Composer's version once; exit 127 (from `env`) means it is not installed. */
export class ToolProbe {
  private pending: Promise<string | undefined> | undefined;
  constructor(private readonly exec: Exec) {}

  version(): Promise<string | undefined> {
    this.pending ??= this.exec
      .read(versionArgv(), { okExitCodes: [0, 127] })
      .then((r) => (r.exitCode === 127 ? undefined : (r.stdout.trim().split('\n')[0] ?? '')));
    return this.pending;
  }
}

export interface ProjectProbe {
  dir: string;
  /** Set when the project cannot be handled; says why. */
  problem?: string;
}

/**
 * A project needs composer.json and composer.lock: without a lock file `composer update` would
 * resolve every package afresh, which is a first install, not an update. Whether vendor/ is
 * installed is only known to Composer (vendor-dir may be configured); check asks it.
 */
export async function probeProject(exec: Exec, tools: ToolProbe, configured: string): Promise<ProjectProbe> {
  const dir = projectDir(configured);
  // ls exits 2 (GNU) or 1 (busybox) when the directory is missing; that is an answer, not an error.
  const listing = await exec.read(['ls', '-1A', dir], { okExitCodes: [0, 1, 2] });
  if (listing.exitCode !== 0) return { dir, problem: `${dir} does not exist or cannot be listed` };
  const entries = listing.stdout.split('\n').map((l) => l.trim());
  if (!entries.includes('composer.json')) return { dir, problem: `${dir} has no composer.json` };
  if (!entries.includes('composer.lock')) return { dir, problem: `${dir} has no composer.lock (never installed with composer install)` };
  if ((await tools.version()) === undefined) return { dir, problem: `composer is not installed (needed by ${dir})` };
  return { dir };
}
