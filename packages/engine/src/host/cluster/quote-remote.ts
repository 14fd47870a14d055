import { UnrotError } from '@unrot/sdk';

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * One argv element for a POSIX shell: inside single quotes nothing is special but the quote
 * itself, which is closed, escaped and reopened (`'\''`). ssh hands the remote side one string
 * that the login shell splits again, so this is the only place argv becomes shell text.
 */
function quoteOne(arg: string, index: number): string {
  // A C string ends at NUL: the remote side would run a different, shorter argument.
  if (arg.includes('\0'))
    throw new UnrotError('E_USAGE', `argument ${index} contains a NUL byte and cannot be passed to a remote shell`, { index });
  // A lone UTF-16 surrogate has no UTF-8 form: Node would send U+FFFD, a different argument.
  if (LONE_SURROGATE.test(arg))
    throw new UnrotError('E_USAGE', `argument ${index} is not valid Unicode (a lone surrogate) and cannot be passed on unchanged`, {
      index,
    });
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** argv as one POSIX shell command line that the remote `sh -c` splits back into exactly this argv. */
export function quoteForRemoteShell(argv: readonly string[]): string {
  if (argv.length === 0) throw new UnrotError('E_USAGE', 'a remote command needs at least one argument');
  return argv.map(quoteOne).join(' ');
}
