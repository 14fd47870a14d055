const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;
// Characters a terminal would act on, or that would break the printed command over lines.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this quotes
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** bash's ANSI-C quoting ($'…'): exact and copy-pasteable, yet no control character reaches the terminal raw. */
function ansiC(arg: string): string {
  const body = [...arg]
    .map((c) => {
      if (c === '\\' || c === "'") return `\\${c}`;
      if (!CONTROL.test(c)) return c;
      const code = c.charCodeAt(0);
      if (c === '\n') return '\\n';
      if (c === '\t') return '\\t';
      if (c === '\r') return '\\r';
      return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    })
    .join('');
  return `$'${body}'`;
}

/** Quotes one argv element for display so a printed command is exact and copy-pasteable. Display only: unrot never runs a shell. */
export function quoteArg(arg: string): string {
  if (arg.length > 0 && SAFE.test(arg)) return arg;
  if (CONTROL.test(arg)) return ansiC(arg);
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function formatArgv(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}
