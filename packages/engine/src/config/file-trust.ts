import { constants, type Stats } from 'node:fs';
import { open, readlink, realpath, stat } from 'node:fs/promises';
import { dirname, relative, sep } from 'node:path';

/** Upper bound on one policy file (global.yml, containers/CTID.yml): a policy is a few KiB. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/**
 * Who may own a file unrot trusts (policy, secrets): root or the user unrot runs as, as sudo and
 * sshd require. `extra` replaces the running user (tests).
 */
export function allowedOwners(extra?: readonly number[]): Set<number> {
  return new Set([0, ...(extra ?? (process.getuid ? [process.getuid()] : []))]);
}

export function modeString(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

export interface TrustRule {
  /** How the message names the path, e.g. "secrets file", "config directory". */
  what: string;
  /** Permission bits that must be clear, e.g. 0o022 (no group/other write) or 0o077 (no group/other access). */
  forbidden: number;
  /** Why, in words, e.g. "it must not be writable by group or others". */
  why: string;
  /** The command that fixes it, e.g. `chmod go-w /etc/unrot/global.yml`. */
  fix: string;
  owners: ReadonlySet<number>;
}

/** What is wrong with a path's owner and mode (from a stat of the very file that is read), if anything. */
export function ownerModeProblems(st: Pick<Stats, 'uid' | 'mode'>, rule: TrustRule): string[] {
  const problems: string[] = [];
  if ((st.mode & rule.forbidden) !== 0) problems.push(`${rule.what} has mode ${modeString(st.mode)}: ${rule.why} (${rule.fix})`);
  if (!rule.owners.has(st.uid))
    problems.push(`${rule.what} is owned by uid ${st.uid}: it must be owned by root or by the user unrot runs as`);
  return problems;
}

function unreadable(why: string): { message: string; expected: string } {
  return { message: `cannot be read: ${why}`, expected: 'a readable YAML file' };
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
}

/**
 * Reads policy files below one config directory as sudo reads sudoers: a file (or a directory on
 * its way) that resolves outside the directory is refused without being opened; the file and the
 * directory holding it must not be writable by group or others and must be owned by root or the
 * running user. The check uses the opened descriptor, so the file checked is the file read.
 * Problems name the path (and a link's target), never the content.
 */
export class ConfigFileReader {
  readonly #checkedDirs = new Map<string, string[]>();

  private constructor(
    readonly root: string,
    readonly owners: ReadonlySet<number>,
  ) {}

  /** `root` must exist; it is resolved once, so a config directory that is itself a link is fine. */
  static async forRoot(root: string, owners: ReadonlySet<number> = allowedOwners()): Promise<ConfigFileReader> {
    return new ConfigFileReader(await realpath(root), owners);
  }

  /** Problems of a directory of policy files (the config directory, containers/). */
  async directoryProblems(dir: string): Promise<string[]> {
    const cached = this.#checkedDirs.get(dir);
    if (cached) return cached;
    let problems: string[];
    try {
      const st = await stat(dir);
      problems = ownerModeProblems(st, {
        what: 'config directory',
        forbidden: 0o022,
        why: 'anyone in its group or everyone could add or replace policy files',
        fix: `chmod go-w ${dir}`,
        owners: this.owners,
      });
    } catch (error) {
      problems = [`config directory cannot be checked (${(error as NodeJS.ErrnoException).code ?? String(error)})`];
    }
    this.#checkedDirs.set(dir, problems);
    return problems;
  }

  /** Every directory checked so far that has a problem, each once. */
  directoryFindings(): Array<{ dir: string; problems: string[] }> {
    return [...this.#checkedDirs].filter(([, problems]) => problems.length > 0).map(([dir, problems]) => ({ dir, problems }));
  }

  /** The text of one policy file, or why it is refused (never a word of its content). */
  async read(file: string): Promise<{ text: string } | { problems: Array<string | { message: string; expected: string }> }> {
    let real: string;
    try {
      real = await realpath(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      return { problems: [code === 'ENOENT' ? 'does not exist (or is a dangling link)' : unreadable(code)] };
    }
    if (!isInside(real, this.root)) {
      const target = await readlink(file).catch(() => real);
      return {
        problems: [`is a symbolic link to ${target}, outside the config directory ${this.root}: refused, not read`],
      };
    }
    // recorded once per directory, reported by directoryFindings()
    await this.directoryProblems(dirname(real));
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      return { problems: [unreadable(code === 'EISDIR' ? 'it is a directory' : code)] };
    }
    try {
      const st = await handle.stat();
      if (st.isDirectory()) return { problems: [unreadable('it is a directory')] };
      if (!st.isFile()) return { problems: ['is not a regular file'] };
      // A policy is a few KiB; a huge file is a mistake or an attack on the parser, refused before reading.
      if (st.size > MAX_CONFIG_FILE_BYTES)
        return { problems: [{ message: `is ${st.size} bytes`, expected: `a policy file of at most ${MAX_CONFIG_FILE_BYTES} bytes` }] };
      const problems = ownerModeProblems(st, {
        what: 'config file',
        forbidden: 0o022,
        why: 'anyone in its group or everyone could change the policy unrot runs as root',
        fix: `chmod go-w ${file}`,
        owners: this.owners,
      });
      if (problems.length > 0) return { problems };
      return { text: await handle.readFile('utf8') };
    } finally {
      await handle.close();
    }
  }
}
