import type { Exec } from '@unrot/sdk';
import { projectDir } from './commands.js';
import { ANY_EXIT } from './tool-output.js';

export interface ProjectProbe {
  dir: string;
  /** Set when the project cannot be handled; says why. */
  problem?: string;
}

/** A Bundler project unrot can update: a Gemfile with its Gemfile.lock (the lock is what gets updated). */
export async function probeProject(exec: Exec, configured: string): Promise<ProjectProbe> {
  const dir = projectDir(configured);
  // ls exits 2 (GNU) or 1 (busybox) when the directory is missing; that is an answer, not an error.
  const listing = await exec.read(['ls', '-1A', dir], { okExitCodes: [0, 1, 2] });
  if (listing.exitCode !== 0) return { dir, problem: `${dir} does not exist or cannot be listed` };
  const entries = new Set(listing.stdout.split('\n').map((l) => l.trim()));
  if (!entries.has('Gemfile')) {
    const gemsRb = entries.has('gems.rb') ? ' (gems.rb projects are not supported)' : '';
    return { dir, problem: `${dir} has no Gemfile${gemsRb}` };
  }
  if (!entries.has('Gemfile.lock')) return { dir, problem: `${dir} has no Gemfile.lock: nothing is locked, so there is nothing to update` };
  return { dir };
}

/** Asks each tool for its version once; exit 127 means it is not installed. */
export class ToolProbe {
  private readonly versions = new Map<string, Promise<string | undefined>>();
  constructor(private readonly exec: Exec) {}

  version(argv: readonly string[]): Promise<string | undefined> {
    const key = JSON.stringify(argv);
    let pending = this.versions.get(key);
    if (!pending) {
      pending = this.exec.read(argv, { okExitCodes: ANY_EXIT }).then((r) => (r.exitCode === 0 ? r.stdout.trim() : undefined));
      this.versions.set(key, pending);
    }
    return pending;
  }
}

export const BUNDLE_VERSION_ARGV = ['bundle', '--version'] as const;
export const GEM_VERSION_ARGV = ['gem', '--version'] as const;
