import { UnrotError } from './errors.js';

/** What a probe expects of the text it read (an HTTP body, a command's output): either or both. */
export interface OutputExpectation {
  contains?: string;
  regex?: string;
}

/** Compiles a probe's `*_regex` option; a bad one is a configuration error naming the key. */
export function compileRegex(source: string | undefined, key: string): RegExp | undefined {
  if (source === undefined) return undefined;
  try {
    return new RegExp(source, 'm'); // m: ^ and $ match at each line, as people read output
  } catch (error) {
    throw new UnrotError('E_CONFIG', `${key} is not a valid regular expression: ${(error as Error).message}`, { key });
  }
}

/** Why the output does not meet the expectation, or undefined when it does. */
export function outputMismatch(text: string, expected: OutputExpectation, what: string): string | undefined {
  if (expected.contains !== undefined && !text.includes(expected.contains))
    return `${what} does not contain ${JSON.stringify(expected.contains)}`;
  const regex = compileRegex(expected.regex, `${what}_regex`);
  if (regex && !regex.test(text)) return `${what} does not match /${regex.source}/`;
  return undefined;
}
