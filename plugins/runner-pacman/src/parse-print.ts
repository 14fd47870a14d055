import { UnrotError } from '@unrot/sdk';
import { assertPacmanName, isPacmanVersion } from './names.js';

/** One target of `pacman -Su --print --print-format '%n %v'`. */
export interface PrintTarget {
  name: string;
  version: string;
}

/**
 * Parses the targets of a print-mode upgrade. With --noconfirm pacman still prints its questions
 * (`:: Replace a with core/b? [Y/n]`) to stdout and answers them with the default: those lines
 * start with `::` and are not targets.
 */
export function parsePrintTargets(stdout: string): PrintTarget[] {
  const out: PrintTarget[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('::')) continue;
    const m = /^(\S+) (\S+)$/.exec(line);
    if (!m) throw new UnrotError('E_RUNNER_PARSE', `unexpected line in pacman -Su --print output: ${JSON.stringify(line.slice(0, 200))}`);
    const [, name, version] = m as unknown as [string, string, string];
    assertPacmanName(name, 'pacman -Su --print');
    if (!isPacmanVersion(version))
      throw new UnrotError(
        'E_RUNNER_PARSE',
        `pacman -Su --print printed a version that is not a pacman version: ${JSON.stringify(version)}`,
      );
    out.push({ name, version });
  }
  return out;
}

/** `pacman -Q NAME…`: `name version` per installed package (unknown names go to stderr). */
export function parseInstalled(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^(\S+) (\S+)$/.exec(line.trim());
    if (m) out.set(m[1] as string, m[2] as string);
  }
  return out;
}
