import { UnrotError } from '@unrot/sdk';
import { assertDebianPackageName } from './names.js';

/** One package apt would unpack: `from` is null when it is newly installed. */
export interface SimInstall {
  name: string;
  from: string | null;
  to: string;
}

export interface SimRemoval {
  name: string;
  version: string | null;
}

/** What `apt-get -s …` would do, parsed from its simulation output (LC_ALL=C). */
export interface Simulation {
  installs: SimInstall[];
  removals: SimRemoval[];
  /** Upgradable packages `apt-get upgrade` leaves alone because they need new or removed packages. */
  keptBack: string[];
}

// `Inst NAME [OLD] (NEW RELEASE [ARCH])` with trailing ` [pkg:arch on pkg:arch]` / ` [pkg:arch ]`
// groups (dependencies broken until the step is done; any number of them); NAME is
// matched loosely (up to the first " [" or " (") so an odd name is rejected as unsafe,
// not silently split.
const INST = /^Inst (.+?)(?: \[([^\]]*)\])? \((\S+) [^)]*\)(?: \[[^\]]*\])*$/;
const REMV = /^(?:Remv|Purg) (.+?)(?: \[([^\]]*)\])?(?: \[[^\]]*\])*$/;
const CONF = /^Conf (.+?) \(/;
const SUMMARY =
  /^(\d+) upgraded, (\d+) newly installed, (?:(\d+) reinstalled, )?(?:(\d+) downgraded, )?(\d+) to remove and (\d+) not upgraded\.$/;

function parseError(message: string, line: string): UnrotError {
  return new UnrotError('E_RUNNER_PARSE', `apt-get simulation: ${message}`, { line });
}

export function parseSimulation(stdout: string): Simulation {
  const installs: SimInstall[] = [];
  const removals: SimRemoval[] = [];
  const keptBack: string[] = [];
  let inKeptBack = false;
  let summary: number[] | undefined;

  for (const line of stdout.split('\n')) {
    if (inKeptBack && line.startsWith('  ')) {
      for (const name of line.trim().split(/\s+/)) keptBack.push(assertDebianPackageName(name, 'kept back'));
      continue;
    }
    inKeptBack = line === 'The following packages have been kept back:';
    if (line.startsWith('Inst ')) {
      const m = INST.exec(line);
      if (!m) throw parseError('unrecognised Inst line', line);
      installs.push({ name: assertDebianPackageName(m[1] as string, line), from: m[2] ?? null, to: m[3] as string });
    } else if (line.startsWith('Remv ') || line.startsWith('Purg ')) {
      const m = REMV.exec(line);
      if (!m) throw parseError('unrecognised Remv line', line);
      removals.push({ name: assertDebianPackageName(m[1] as string, line), version: m[2] ?? null });
    } else if (line.startsWith('Conf ')) {
      const m = CONF.exec(line);
      if (!m) throw parseError('unrecognised Conf line', line);
      assertDebianPackageName(m[1] as string, line);
    } else {
      const m = SUMMARY.exec(line);
      if (m) summary = m.slice(1).map((n) => Number(n ?? 0));
    }
  }

  // The summary line is apt's own count: a mismatch means lines were missed, so fail loudly.
  if (!summary) throw parseError('no summary line ("N upgraded, …") found', stdout.slice(-500));
  const [upgraded = 0, fresh = 0, reinstalled = 0, downgraded = 0, remove = 0] = summary;
  if (installs.length !== upgraded + fresh + reinstalled + downgraded || removals.length !== remove) {
    throw parseError(
      `counted ${installs.length} Inst and ${removals.length} Remv lines but the summary says ${upgraded + fresh + reinstalled + downgraded} and ${remove}`,
      stdout.slice(-500),
    );
  }
  return { installs, removals, keptBack };
}
