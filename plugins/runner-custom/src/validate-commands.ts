import { COMMAND_NAME_PATTERN, type OptionsProblem, UnrotError } from '@unrot/sdk';
import type { CustomCommand, CustomOptions } from './options.js';

const COMMAND_NAME = new RegExp(COMMAND_NAME_PATTERN);

function refuse(path: ReadonlyArray<string | number>, message: string): never {
  const at = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
  throw new UnrotError('E_CONFIG', `runners.custom${at}: ${message}`, { runner: 'custom', path: [...path] });
}

function checkArgv0(argv: readonly string[], path: Array<string | number>): void {
  const first = argv[0] ?? '';
  // A leading '-' would be read as an option by `timeout` (and by nothing useful otherwise).
  if (!COMMAND_NAME.test(first) || first.startsWith('-')) {
    refuse(
      [...path, 0],
      `${JSON.stringify(first)} is not a bare command name or an absolute path (letters, digits and _ . + @ - only, / only in an absolute path; no spaces or shell characters)`,
    );
  }
}

/**
 * The rules the options schema cannot express: argv[0] (and only_if[0]) is a bare name or an
 * absolute path, and names are unique. Returns the commands (none when the key is absent).
 */
export function validateCommands(options: CustomOptions): CustomCommand[] {
  const commands = options.commands ?? [];
  const seen = new Map<string, number>();
  commands.forEach((c, i) => {
    const before = seen.get(c.name);
    if (before !== undefined)
      refuse(['commands', i, 'name'], `'${c.name}' is already the name of commands[${before}]; names must be unique`);
    seen.set(c.name, i);
    checkArgv0(c.argv, ['commands', i, 'argv']);
    if (c.only_if) checkArgv0(c.only_if, ['commands', i, 'only_if']);
  });
  return commands;
}

/** The same rules as problems, for `unrot validate` (Runner.validateOptions): every problem, not just the first. */
export function optionsProblems(options: CustomOptions): OptionsProblem[] {
  const problems: OptionsProblem[] = [];
  const commands = options.commands ?? [];
  const seen = new Map<string, number>();
  const argv0 = (argv: readonly string[], path: Array<string | number>) => {
    const first = argv[0] ?? '';
    if (!COMMAND_NAME.test(first) || first.startsWith('-'))
      problems.push({ path: [...path, 0], message: `${JSON.stringify(first)} is not a bare command name or an absolute path` });
  };
  commands.forEach((c, i) => {
    const before = seen.get(c.name);
    if (before !== undefined)
      problems.push({
        path: ['commands', i, 'name'],
        message: `'${c.name}' is already the name of commands[${before}]; names must be unique`,
      });
    else seen.set(c.name, i);
    argv0(c.argv, ['commands', i, 'argv']);
    if (c.only_if) argv0(c.only_if, ['commands', i, 'only_if']);
  });
  return problems;
}
