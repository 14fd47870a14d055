export const REDACTED = '***';

/** Every form in which a secret value may show up in text unrot writes. */
export function secretForms(value: string): string[] {
  const forms = new Set<string>([value]);
  forms.add(encodeURIComponent(value));
  forms.add(encodeURI(value));
  // application/x-www-form-urlencoded writes spaces as '+'
  forms.add(encodeURIComponent(value).replace(/%20/g, '+'));
  const b64 = Buffer.from(value, 'utf8').toString('base64');
  forms.add(b64);
  forms.add(b64.replace(/=+$/, ''));
  forms.add(Buffer.from(value, 'utf8').toString('base64url'));
  // As it appears inside a JSON string (log lines, report.json).
  forms.add(JSON.stringify(value).slice(1, -1));
  forms.add(JSON.stringify(encodeURIComponent(value)).slice(1, -1));
  return [...forms].filter((f) => f.length > 0);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface Redactor {
  /** Replaces every known secret form in a string with `***`. */
  string(text: string): string;
  /** Deep copy with every string (and Error message/stack/details) scrubbed; keys are kept. */
  value<T>(value: T): T;
  /** True when the text still contains a secret form (used by tests and self-checks). */
  leaks(text: string): boolean;
}

/**
 * Built from all resolved secret values. Longer forms are matched first so a secret that
 * contains another one is scrubbed whole.
 */
export function createRedactor(values: Iterable<string>): Redactor {
  const forms = [...new Set([...values].filter((v) => v.length > 0).flatMap(secretForms))].sort((a, b) => b.length - a.length);
  const pattern = forms.length > 0 ? new RegExp(forms.map(escapeRegExp).join('|'), 'g') : undefined;

  const string = (text: string): string => (pattern ? text.replace(pattern, REDACTED) : text);

  const value = <T>(input: T): T => {
    if (!pattern) return input;
    const seen = new WeakMap<object, unknown>();
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return string(v);
      if (typeof v !== 'object' || v === null) return v;
      const cached = seen.get(v);
      if (cached !== undefined) return cached;
      if (Array.isArray(v)) {
        const out: unknown[] = [];
        seen.set(v, out);
        for (const item of v) out.push(walk(item));
        return out;
      }
      if (v instanceof Error) {
        const copy = Object.create(Object.getPrototypeOf(v) as object) as Error & Record<string, unknown>;
        seen.set(v, copy);
        for (const key of Object.getOwnPropertyNames(v)) {
          Object.defineProperty(copy, key, {
            value: walk((v as unknown as Record<string, unknown>)[key]),
            writable: true,
            configurable: true,
            enumerable: key !== 'stack' && key !== 'message' ? (Object.getOwnPropertyDescriptor(v, key)?.enumerable ?? true) : false,
          });
        }
        return copy;
      }
      if (v instanceof Date || Buffer.isBuffer(v)) return v;
      const out: Record<string, unknown> = {};
      seen.set(v, out);
      for (const [k, item] of Object.entries(v)) out[k] = walk(item);
      return out;
    };
    return walk(input) as T;
  };

  const leaks = (text: string): boolean => {
    if (!pattern) return false;
    pattern.lastIndex = 0;
    const hit = pattern.test(text);
    pattern.lastIndex = 0;
    return hit;
  };

  return { string, value, leaks };
}
