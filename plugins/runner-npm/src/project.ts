import { posix } from 'node:path';
import type { Exec } from '@unrot/sdk';

export type Manager = 'npm' | 'yarn' | 'pnpm';

export interface ProjectProbe {
  dir: string;
  manager: Manager;
  /** Set when the project cannot be handled; says why. */
  problem?: string;
}

/** `/opt/app/`, `/opt/app/package.json` and `/opt/app` all name the project `/opt/app`. */
export function projectDir(configured: string): string {
  const normalized = posix.normalize(configured).replace(/\/+$/, '') || '/';
  return posix.basename(normalized) === 'package.json' ? posix.dirname(normalized) : normalized;
}

const LOCKFILES: ReadonlyArray<[string, Manager]> = [
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
  ['yarn.lock', 'yarn'],
  ['pnpm-lock.yaml', 'pnpm'],
];

/** The manager a directory listing implies, or why none can be chosen. */
export function managerFromListing(entries: readonly string[]): { manager: Manager; problem?: string } {
  const found = new Set(LOCKFILES.filter(([file]) => entries.includes(file)).map(([, manager]) => manager));
  if (found.size > 1)
    return { manager: 'npm', problem: `lockfiles of several package managers (${[...found].join(', ')}); remove the stale one` };
  const manager = [...found][0] ?? 'npm';
  if (manager === 'yarn' && entries.includes('.yarnrc.yml'))
    return { manager, problem: 'Yarn Berry (2+) project (.yarnrc.yml); only Yarn classic (v1) is supported' };
  return { manager };
}

/** Asks each package manager for its version once per call; exit 127 means it is not installed. */
export class ToolProbe {
  private readonly versions = new Map<string, Promise<string | undefined>>();
  constructor(private readonly exec: Exec) {}

  version(argv: readonly string[]): Promise<string | undefined> {
    const key = JSON.stringify(argv);
    let pending = this.versions.get(key);
    if (!pending) {
      pending = this.exec.read(argv, { okExitCodes: [0, 127] }).then((r) => (r.exitCode === 127 ? undefined : r.stdout.trim()));
      this.versions.set(key, pending);
    }
    return pending;
  }
}

/**
 * yarn and pnpm are asked from inside the project: yarn honours a project's yarnPath (a vendored
 * Berry), and pnpm refuses to run at all where package.json's packageManager names another tool.
 */
export function versionArgv(manager: Manager, dir: string): string[] {
  if (manager === 'yarn') return ['yarn', '--cwd', dir, '--version'];
  if (manager === 'pnpm') return ['pnpm', '--dir', dir, '--version'];
  return ['npm', '--version'];
}

export async function probeProject(exec: Exec, tools: ToolProbe, configured: string): Promise<ProjectProbe> {
  const dir = projectDir(configured);
  // ls exits 2 (GNU) or 1 (busybox) when the directory is missing; that is an answer, not an error.
  const listing = await exec.read(['ls', '-1A', dir], { okExitCodes: [0, 1, 2] });
  if (listing.exitCode !== 0) return { dir, manager: 'npm', problem: `${dir} does not exist or cannot be listed` };
  const entries = listing.stdout.split('\n').map((l) => l.trim());
  if (!entries.includes('package.json')) return { dir, manager: 'npm', problem: `${dir} has no package.json` };
  const chosen = managerFromListing(entries);
  if (chosen.problem) return { dir, manager: chosen.manager, problem: `${dir}: ${chosen.problem}` };
  const version = await tools.version(versionArgv(chosen.manager, dir));
  if (version === undefined) return { dir, manager: chosen.manager, problem: `${chosen.manager} is not installed (needed by ${dir})` };
  if (chosen.manager === 'yarn' && !version.startsWith('1.')) {
    return { dir, manager: 'yarn', problem: `${dir} uses Yarn ${version}; only Yarn classic (v1) is supported` };
  }
  return { dir, manager: chosen.manager };
}
