import { createRedactor, type Redactor } from './redactor.js';

/**
 * Every secret value this process has loaded, behind a global symbol: the CLI scrubs what it
 * prints (reports, error messages) through it without importing the engine at start-up.
 */
const KEY = Symbol.for('unrot.process-redactor');

interface Slot {
  values: Set<string>;
  redactor: Redactor;
}

function slot(): Slot {
  const g = globalThis as { [KEY]?: Slot };
  g[KEY] ??= { values: new Set(), redactor: createRedactor([]) };
  return g[KEY];
}

/** Adds secret values to the process-wide redactor. */
export function registerProcessSecrets(values: Iterable<string>): void {
  const s = slot();
  const before = s.values.size;
  for (const v of values) s.values.add(v);
  if (s.values.size !== before) s.redactor = createRedactor(s.values);
}

/** The redactor for every secret loaded so far in this process. */
export function processRedactor(): Redactor {
  return slot().redactor;
}

/** For a caller that must not import the engine: the same as processRedactor().string, or identity. */
export function redactProcessText(text: string): string {
  const g = globalThis as { [KEY]?: Slot };
  return g[KEY] ? g[KEY].redactor.string(text) : text;
}
