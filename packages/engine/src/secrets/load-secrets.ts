import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { ConfigError, type ConfigProblem } from '../config/config-error.js';
import { allowedOwners, ownerModeProblems } from '../config/file-trust.js';
import { parseEnvFile } from './parse-env-file.js';

/** Shorter values would make the redactor scrub ordinary text; no real token or password is this short. */
export const MIN_SECRET_LENGTH = 4;

export interface SecretEntry {
  value: string;
  file: string;
  line: number;
}

/** Resolved secrets by name. Values are only read by the resolver and the redactor. */
export class SecretStore {
  readonly #entries = new Map<string, SecretEntry>();

  set(name: string, entry: SecretEntry): void {
    this.#entries.set(name, entry);
  }

  get(name: string): SecretEntry | undefined {
    return this.#entries.get(name);
  }

  names(): string[] {
    return [...this.#entries.keys()].sort();
  }

  values(): string[] {
    return [...this.#entries.values()].map((e) => e.value);
  }

  /** Never print values, even by accident (`console.log(store)`, JSON in a report). */
  toJSON(): { names: string[] } {
    return { names: this.names() };
  }
}

export interface LoadSecretsOptions {
  /** Owners allowed besides root; defaults to the current user. */
  allowedUids?: readonly number[];
}

/**
 * Reads secrets files (env format, see parseEnvFile). A file readable by group or others, or
 * owned by someone other than root or the user unrot runs as, is refused: the check uses the
 * opened descriptor, so the file that is checked is the file that is read.
 */
export async function loadSecrets(files: readonly string[], options: LoadSecretsOptions = {}): Promise<SecretStore> {
  const owners = allowedOwners(options.allowedUids);
  const store = new SecretStore();
  const problems: ConfigProblem[] = [];
  for (const file of files) {
    let text: string;
    try {
      const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        const st = await handle.stat();
        if (!st.isFile()) {
          problems.push({ file, path: '', message: 'secrets file is not a regular file' });
          continue;
        }
        // the same owner/mode rule as policy files (config/file-trust.ts), stricter: no group or other access at all
        const refused = ownerModeProblems(st, {
          what: 'secrets file',
          forbidden: 0o077,
          why: 'it must not be accessible by group or others',
          fix: `chmod 600 ${file}`,
          owners,
        });
        if (refused.length > 0) {
          for (const message of refused) problems.push({ file, path: '', message });
          continue;
        }
        text = await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      const why = code === 'ELOOP' ? 'is a symbolic link (refused)' : code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`;
      problems.push({ file, path: '', message: `secrets file ${why}` });
      continue;
    }
    const parsed = parseEnvFile(text, file);
    problems.push(...parsed.problems);
    for (const entry of parsed.entries) {
      const earlier = store.get(entry.name);
      if (earlier) {
        problems.push({ file, line: entry.line, path: entry.name, message: `already defined in ${earlier.file}:${earlier.line}` });
        continue;
      }
      if (entry.value.length < MIN_SECRET_LENGTH) {
        problems.push({
          file,
          line: entry.line,
          path: entry.name,
          message: `value is shorter than ${MIN_SECRET_LENGTH} characters (too short to redact safely)`,
        });
        continue;
      }
      store.set(entry.name, { value: entry.value, file, line: entry.line });
    }
  }
  if (problems.length > 0)
    throw new ConfigError(problems, `invalid secrets (${problems.length} problem${problems.length === 1 ? '' : 's'})`);
  return store;
}
