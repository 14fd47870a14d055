import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GROUP_NAME_PATTERN, VmidSchema } from '../policy/index.js';
import type { ConfigProblem } from './config-error.js';

export interface ContainerFileRef {
  vmid: number;
  file: string;
}

/** A group file: `containers/<name>.yml` whose name starts with a letter (never a VMID); it must hold `selectors:`. */
export interface GroupFileRef {
  name: string;
  file: string;
}

const YAML_EXT = /\.ya?ml$/i;
const CTID = /^(0|[1-9][0-9]*)$/;

/**
 * Which files in `containers/` are container policies:
 * - `<CTID>.yml` / `<CTID>.yaml` with CTID an integer 100..999999999 → a container file;
 * - `<name>.yml` with a name starting with a letter (`web.yml`, `db-hosts.yml`) → a group file (its `selectors:` say whom it applies to);
 * - any other name ending in .yml/.yaml, in any case (`10l.yml`, `99.yml`, `0101.yml`, `101.YML`, `web.YML`) → a problem, because
 *   it looks like a policy the admin expects to apply;
 * - everything else (README, `101.yml.bak`, `101.yml~`, `.101.yml.swp`, dotfiles, subdirectories) → ignored,
 *   so editor and package-manager leftovers never break a run.
 * A missing `containers/` directory simply means no container files.
 */
export async function discoverContainerFiles(
  dir: string,
): Promise<{ files: ContainerFileRef[]; groups: GroupFileRef[]; problems: ConfigProblem[] }> {
  const cdir = join(dir, 'containers');
  let entries: Dirent[];
  try {
    entries = await readdir(cdir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { files: [], groups: [], problems: [] };
    if (code === 'ENOTDIR')
      return {
        files: [],
        groups: [],
        problems: [{ file: cdir, path: '', message: 'is not a directory', expected: 'a directory of <CTID>.yml files' }],
      };
    throw err;
  }
  const files: ContainerFileRef[] = [];
  const groups: GroupFileRef[] = [];
  const problems: ConfigProblem[] = [];
  const seen = new Map<number, string>();
  const seenGroups = new Map<string, string>();
  const min = VmidSchema.minimum as number;
  const max = VmidSchema.maximum as number;
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const name = entry.name;
    if (name.startsWith('.') || !YAML_EXT.test(name)) continue;
    const file = join(cdir, name);
    // Only symlinks need a stat; a dangling link or a directory is not a policy.
    const isFile = entry.isSymbolicLink() ? (await stat(file).catch(() => undefined))?.isFile() : entry.isFile();
    if (!isFile) continue;
    const stem = name.replace(YAML_EXT, '');
    if (!/\.ya?ml$/.test(name)) {
      problems.push({ file, path: '', message: `'${name}' has an upper-case extension`, expected: `${stem}.yml` });
      continue;
    }
    if (GROUP_NAME_PATTERN.test(stem)) {
      const other = seenGroups.get(stem);
      if (other !== undefined) {
        problems.push({ file, path: '', message: `group '${stem}' has two files (also ${other})`, expected: 'one file per group' });
        continue;
      }
      seenGroups.set(stem, file);
      groups.push({ name: stem, file });
      continue;
    }
    const expected = `a file name <CTID>.yml with CTID a whole number from ${min} to ${max}, written without leading zeros, or a group file <name>.yml with a name starting with a letter (A-Z, a-z, 0-9, _ and -, at most 64)`;
    if (!CTID.test(stem)) {
      problems.push({ file, path: '', message: `'${name}' is not named after a container ID`, expected });
      continue;
    }
    const vmid = Number(stem);
    if (vmid < min || vmid > max) {
      problems.push({ file, path: '', message: `container ID ${vmid} is out of range`, expected });
      continue;
    }
    const other = seen.get(vmid);
    if (other !== undefined) {
      problems.push({
        file,
        path: '',
        message: `container ${vmid} has two policy files (also ${other})`,
        expected: 'one file per container',
      });
      continue;
    }
    seen.set(vmid, file);
    files.push({ vmid, file });
  }
  return { files, groups, problems };
}
