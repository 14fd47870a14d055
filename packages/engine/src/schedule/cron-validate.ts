/**
 * A strict checker for /etc/cron.d lines (Debian cron, vixie-based): five time fields, a user
 * and a command. Stricter than cron where cron is silently lenient, so what passes here is
 * read by cron the way it reads to a human.
 */

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  // 7 is Sunday too
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

const SPECIALS = new Set(['@reboot', '@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const USER = /^[a-z_][a-z0-9_-]{0,30}\$?$/;
const ENV = /^[A-Za-z_][A-Za-z0-9_]*\s*=.*$/;

function num(text: string, spec: FieldSpec): number | string {
  if (!/^\d+$/.test(text)) return `'${text}' is not a number`;
  const n = Number(text);
  if (n < spec.min || n > spec.max) return `${n} is outside ${spec.min}–${spec.max}`;
  return n;
}

/** Problems with one time field, empty when valid. */
export function cronFieldProblems(field: string, spec: FieldSpec): string[] {
  // cron accepts a name only on its own, never in ranges, steps or lists
  if (spec.names?.includes(field.toLowerCase())) return [];
  const problems: string[] = [];
  for (const item of field.split(',')) {
    const m = /^(\*|(\w+)(?:-(\w+))?)(?:\/(\w+))?$/.exec(item);
    if (!m) {
      problems.push(`${spec.name}: '${item}' is not *, N, N-M or a /step of them`);
      continue;
    }
    const [, , lo, hi, step] = m;
    let first = spec.min;
    let last = spec.max;
    if (lo !== undefined) {
      const a = num(lo, spec);
      if (typeof a === 'string') {
        problems.push(`${spec.name}: ${a}`);
        continue;
      }
      first = a;
      last = a;
      if (hi !== undefined) {
        const b = num(hi, spec);
        if (typeof b === 'string') {
          problems.push(`${spec.name}: ${b}`);
          continue;
        }
        if (b < a) problems.push(`${spec.name}: range ${a}-${b} runs backwards`);
        last = b;
      } else if (step !== undefined) {
        problems.push(`${spec.name}: a step needs * or a range, not '${item}'`);
        continue;
      }
    }
    if (step !== undefined) {
      if (!/^\d+$/.test(step) || Number(step) < 1 || Number(step) > last - first + 1)
        problems.push(`${spec.name}: step '${step}' must be 1–${last - first + 1}`);
    }
  }
  return problems;
}

/** Problems with one job line (`m h dom mon dow user command` or `@daily user command`). */
export function cronLineProblems(line: string): string[] {
  const parts = line.trim().split(/[ \t]+/);
  const special = parts[0]?.startsWith('@');
  const timeCount = special ? 1 : 5;
  if (parts.length < timeCount + 2) return [`expected ${special ? '@special' : '5 time fields'}, a user and a command`];
  const problems: string[] = [];
  if (special) {
    if (!SPECIALS.has(parts[0] ?? '')) problems.push(`'${parts[0]}' is not a cron @keyword`);
  } else {
    FIELDS.forEach((spec, i) => {
      problems.push(...cronFieldProblems(parts[i] ?? '', spec));
    });
  }
  const user = parts[timeCount] ?? '';
  if (!USER.test(user)) problems.push(`'${user}' is not a user name`);
  const command = parts.slice(timeCount + 1).join(' ');
  if (!command.startsWith('/')) problems.push('the command must start with an absolute path');
  // cron turns an unescaped % into a newline and feeds the rest to stdin
  if (command.includes('%')) problems.push('the command contains %, which cron turns into a newline');
  return problems;
}

/** Problems with a whole /etc/cron.d file: every line is blank, a comment, NAME=value or a job. */
export function cronFileProblems(text: string): string[] {
  const problems: string[] = [];
  if (!text.endsWith('\n')) problems.push('the file must end with a newline (cron ignores an unterminated last line)');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let jobs = 0;
  lines.forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    if (ENV.test(t) && !/^[\d*@]/.test(t)) return;
    jobs++;
    for (const p of cronLineProblems(t)) problems.push(`line ${i + 1}: ${p}`);
  });
  if (jobs === 0) problems.push('no job lines');
  return problems;
}

/** cron.d files are run-parts names: letters, digits, - and _ (a dot makes cron skip the file). */
export function isValidCronFileName(name: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(name);
}
