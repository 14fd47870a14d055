/**
 * A strict checker of the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), as node_exporter's textfile
 * collector reads it. Returns every problem with its line number; [] means valid.
 */

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
/** Go's strconv.ParseFloat as Prometheus accepts it (decimal and exponent forms, Inf, NaN). */
const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Inf|inf|NaN|nan)$/;
const TIMESTAMP = /^-?\d+$/;

export interface FormatProblem {
  line: number;
  message: string;
}

export interface FormatOptions {
  /** node_exporter's textfile collector refuses client-side timestamps (default true). */
  forbidTimestamps?: boolean;
}

/** The family a sample belongs to: histogram and summary series carry suffixes. */
function familyOf(name: string, types: ReadonlyMap<string, string>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      const t = types.get(base);
      if (t === 'histogram' || (t === 'summary' && suffix !== '_bucket')) return base;
    }
  }
  return name;
}

/** Parses `{a="x",b="y"}` starting at text[0] === '{'; returns the labels and the rest, or a problem. */
function parseLabels(text: string): { labels: Array<[string, string]>; rest: string } | string {
  const labels: Array<[string, string]> = [];
  let i = 1;
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    const nameMatch = /^[^=\s}]*/.exec(text.slice(i));
    const name = nameMatch?.[0] ?? '';
    if (!LABEL_NAME.test(name)) return `invalid label name '${name}'`;
    if (name.startsWith('__')) return `label name '${name}' is reserved (starts with __)`;
    i += name.length;
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (text[i] !== '=') return `expected '=' after label name '${name}'`;
    i++;
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (text[i] !== '"') return `label '${name}': value must be in double quotes`;
    i++;
    let value = '';
    for (;;) {
      const ch = text[i];
      if (ch === undefined) return `label '${name}': unterminated value`;
      if (ch === '"') break;
      if (ch === '\\') {
        const next = text[i + 1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else return `label '${name}': invalid escape '\\${next ?? ''}' (only \\\\, \\" and \\n)`;
        i += 2;
        continue;
      }
      value += ch;
      i++;
    }
    i++;
    if (labels.some(([n]) => n === name)) return `label '${name}' appears twice`;
    labels.push([name, value]);
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    return `expected ',' or '}' after label '${name}'`;
  }
}

function checkHelp(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') {
      const next = text[i + 1];
      if (next !== '\\' && next !== 'n') return `HELP: invalid escape '\\${next ?? ''}' (only \\\\ and \\n)`;
      i++;
    }
  }
  return undefined;
}

export function checkExpositionFormat(text: string, options: FormatOptions = {}): FormatProblem[] {
  const forbidTimestamps = options.forbidTimestamps ?? true;
  const problems: FormatProblem[] = [];
  if (text.length > 0 && !text.endsWith('\n'))
    problems.push({ line: text.split('\n').length, message: 'the last line must end with a newline' });
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const finished = new Set<string>();
  const series = new Set<string>();
  const sampled = new Set<string>();
  let current: string | undefined;
  const enter = (family: string, line: number): void => {
    if (current === family) return;
    if (finished.has(family)) problems.push({ line, message: `metric family '${family}' is not contiguous (its lines must be grouped)` });
    if (current !== undefined) finished.add(current);
    current = family;
  };
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.includes('\r')) problems.push({ line, message: 'carriage return (lines end with \\n only)' });
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(raw);
      if (!m) return; // an ordinary comment
      const [, kind, name = '', rest = ''] = m;
      if (!METRIC_NAME.test(name)) {
        problems.push({ line, message: `${kind}: invalid metric name '${name}'` });
        return;
      }
      enter(name, line);
      if (kind === 'HELP') {
        if (helps.has(name)) problems.push({ line, message: `HELP for '${name}' appears twice` });
        helps.add(name);
        const bad = checkHelp(rest);
        if (bad) problems.push({ line, message: bad });
      } else {
        const type = rest.trim();
        if (!TYPES.has(type)) problems.push({ line, message: `TYPE '${type}' is not one of ${[...TYPES].join(', ')}` });
        if (types.has(name)) problems.push({ line, message: `TYPE for '${name}' appears twice` });
        if (sampled.has(name)) problems.push({ line, message: `TYPE for '${name}' comes after its samples` });
        types.set(name, type);
      }
      return;
    }
    if (/^[ \t]/.test(raw)) {
      problems.push({ line, message: 'a sample line must not start with whitespace' });
      return;
    }
    const nameMatch = /^[^\s{]*/.exec(raw);
    const name = nameMatch?.[0] ?? '';
    if (!METRIC_NAME.test(name)) {
      problems.push({ line, message: `invalid metric name '${name}'` });
      return;
    }
    let rest = raw.slice(name.length);
    let labels: Array<[string, string]> = [];
    if (rest.startsWith('{')) {
      const parsed = parseLabels(rest);
      if (typeof parsed === 'string') {
        problems.push({ line, message: parsed });
        return;
      }
      labels = parsed.labels;
      rest = parsed.rest;
    }
    if (!/^[ \t]/.test(rest)) {
      problems.push({ line, message: 'expected whitespace before the value' });
      return;
    }
    const fields = rest.trim().split(/[ \t]+/);
    const [value = '', timestamp, extra] = fields;
    if (!FLOAT.test(value)) problems.push({ line, message: `value '${value}' is not a float` });
    if (timestamp !== undefined) {
      if (forbidTimestamps) problems.push({ line, message: 'timestamps are not allowed (node_exporter textfile collector)' });
      else if (!TIMESTAMP.test(timestamp)) problems.push({ line, message: `timestamp '${timestamp}' is not an integer` });
    }
    if (extra !== undefined) problems.push({ line, message: 'unexpected text after the value' });
    const family = familyOf(name, types);
    enter(family, line);
    sampled.add(family);
    const type = types.get(family);
    if (type === 'counter' && value.startsWith('-') && !/^-?0*\.?0*$/.test(value))
      problems.push({ line, message: `counter '${name}' is negative` });
    if (type === 'histogram' && name.endsWith('_bucket') && !labels.some(([n]) => n === 'le'))
      problems.push({ line, message: `histogram bucket '${name}' has no 'le' label` });
    const key = `${name}{${labels
      .map(([n, v]) => `${n}=${JSON.stringify(v)}`)
      .sort()
      .join(',')}}`;
    if (series.has(key)) problems.push({ line, message: `series ${key} appears twice` });
    series.add(key);
  });
  return problems;
}
