import { UnrotError } from '@unrot/sdk';
import { assertApkPackageName, assertApkVersion, splitNameVersion } from './names.js';

export interface Outdated {
  name: string;
  installed: string;
  available: string;
}

// apk-tools 2.14 src/app_version.c: a header "Installed:   Available:", then per package
// PKG_VER_FMT "%*s %s " BLOB_FMT " " BLOB_FMT: name-version, padding, the comparison, the newest
// version and its repository tag (empty for untagged repositories, hence a trailing space).
const LINE = /^(\S+)\s+(<|>|=|\?|<=|>=) (\S+) ?(@\S+)?\s*$/;

/** Parses `apk version -l '<'`: installed packages whose newest available version is newer. */
export function parseVersionList(stdout: string): Outdated[] {
  const out: Outdated[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '' || line.startsWith('Installed:')) continue;
    const m = LINE.exec(line);
    const split = m ? splitNameVersion(m[1] as string) : undefined;
    if (!m || !split) throw new UnrotError('E_RUNNER_PARSE', 'apk version: unrecognised line', { line });
    if (m[2] !== '<') continue;
    out.push({
      name: assertApkPackageName(split.name, line),
      installed: assertApkVersion(split.version, line),
      available: assertApkVersion(m[3] as string, line),
    });
  }
  return out;
}
