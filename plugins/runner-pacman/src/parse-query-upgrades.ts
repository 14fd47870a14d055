import { UnrotError } from '@unrot/sdk';
import { assertPacmanName, isPacmanVersion } from './names.js';

/** One line of `pacman -Qu`: `name old -> new`, with ` [ignored]` when IgnorePkg/IgnoreGroup holds it. */
export interface QueryUpgrade {
  name: string;
  from: string;
  to: string;
  ignored: boolean;
}

// pacman 6.0 query.c prints `%s %s -> %s` and, for a package in IgnorePkg/IgnoreGroup, ` [ignored]`
// (LC_ALL=C keeps the word untranslated; colours are off when stdout is not a terminal).
const LINE = /^(\S+) (\S+) -> (\S+)( \[ignored\])?$/;

/** Parses `pacman -Qu` stdout; any other line is an error, never skipped silently. */
export function parseQueryUpgrades(stdout: string): QueryUpgrade[] {
  const out: QueryUpgrade[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.trimEnd();
    if (line === '') continue;
    const m = LINE.exec(line);
    if (!m) throw new UnrotError('E_RUNNER_PARSE', `unexpected line in pacman -Qu output: ${JSON.stringify(line.slice(0, 200))}`);
    const [, name, from, to, ignored] = m as unknown as [string, string, string, string, string | undefined];
    assertPacmanName(name, 'pacman -Qu');
    for (const v of [from, to]) {
      if (!isPacmanVersion(v))
        throw new UnrotError('E_RUNNER_PARSE', `pacman -Qu printed a version that is not a pacman version: ${JSON.stringify(v)}`);
    }
    out.push({ name, from, to, ignored: ignored !== undefined });
  }
  return out;
}
