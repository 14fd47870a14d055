import type { ConfigProblem } from '../config/config-error.js';
import { SECRET_NAME_PATTERN } from './secret-ref.js';

const NAME = new RegExp(SECRET_NAME_PATTERN);

export interface EnvEntry {
  name: string;
  value: string;
  line: number;
}

/**
 * Parses `KEY=value` lines (systemd EnvironmentFile / docker --env-file style): blank lines and
 * `#` comments are ignored, `export ` is allowed, a value may be wrapped in single or double
 * quotes (taken literally, no escapes or interpolation). Problems never quote a value.
 */
export function parseEnvFile(text: string, file: string): { entries: EnvEntry[]; problems: ConfigProblem[] } {
  const entries: EnvEntry[] = [];
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const body = trimmed.startsWith('export ') ? trimmed.slice('export '.length).trimStart() : trimmed;
    const eq = body.indexOf('=');
    if (eq <= 0) {
      problems.push({ file, line, path: '', message: 'not a KEY=value line' });
      return;
    }
    const name = body.slice(0, eq).trim();
    let value = body.slice(eq + 1).trim();
    if (!NAME.test(name)) {
      problems.push({ file, line, path: '', message: `'${name}' is not a valid secret name`, expected: SECRET_NAME_PATTERN });
      return;
    }
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) value = value.slice(1, -1);
    else if (quote === '"' || quote === "'") {
      problems.push({ file, line, path: name, message: 'unterminated quoted value' });
      return;
    }
    const first = seen.get(name);
    if (first !== undefined) {
      problems.push({ file, line, path: name, message: `defined twice (first on line ${first})` });
      return;
    }
    seen.set(name, line);
    entries.push({ name, value, line });
  });
  return { entries, problems };
}
