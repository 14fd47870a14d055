const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one argv element for display so a printed command is exact and copy-pasteable. Display only: unrot never runs a shell. */
export function quoteArg(arg: string): string {
  if (arg.length > 0 && SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function formatArgv(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}
