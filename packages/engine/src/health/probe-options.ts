import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { UnrotError } from '@unrot/sdk';

/** One problem with a check's probe options, by JSON pointer below `options`. */
export interface ProbeOptionProblem {
  path: string;
  message: string;
}

export function probeOptionProblems(schema: TSchema, options: unknown): ProbeOptionProblem[] {
  const value = Value.Default(schema, Value.Clone(options ?? {}));
  return [...Value.Errors(schema, value)].map((e) => ({ path: e.path || '/', message: e.message }));
}

/**
 * The options as the probe sees them: its schema's defaults filled in, then checked.
 * Values are never echoed in the error (headers and URLs may hold secrets), only paths.
 */
export function prepareProbeOptions(probeId: string, schema: TSchema, options: unknown): unknown {
  const problems = probeOptionProblems(schema, options);
  if (problems.length > 0)
    throw new UnrotError('E_CONFIG', `options of probe ${probeId}: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, {
      problems,
    });
  return Value.Default(schema, Value.Clone(options ?? {}));
}
