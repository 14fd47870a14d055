import { UnrotError } from '@unrot/sdk';

/** Which dnf the container has: dnf 4 (Python, Fedora ≤ 40, RHEL 8-10) or dnf5 (Fedora ≥ 41). */
export interface DnfFlavour {
  major: 4 | 5;
  version: string;
}

/**
 * `dnf --version`: dnf 4 prints its bare version first (`4.14.0`), then on an rpm system the
 * installed dnf/rpm packages; dnf5 prints `dnf5 version 5.x.y` (per dnf5's documented output;
 * not recorded here, see docs/runners/dnf.md).
 */
export function parseDnfVersion(stdout: string): DnfFlavour {
  const first =
    stdout
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? '';
  const dnf5 = /^dnf5 version (\d+\.\S+)/.exec(first);
  if (dnf5) return { major: 5, version: dnf5[1] as string };
  const dnf4 = /^(4\.\d+\.\d+)$/.exec(first);
  if (dnf4) return { major: 4, version: dnf4[1] as string };
  throw new UnrotError('E_RUNNER_PARSE', `dnf --version printed ${JSON.stringify(first.slice(0, 100))}, which is neither dnf 4 nor dnf5`, {
    line: first.slice(0, 200),
  });
}

export const flavourName = (f: DnfFlavour): string => (f.major === 5 ? `dnf5 ${f.version}` : `dnf ${f.version}`);
