import type { Static, TSchema } from '@sinclair/typebox';
import { type Static as S2, Type } from '@sinclair/typebox';
import type { ContainerInfo } from './container.js';
import type { Exec } from './exec.js';
import type { Logger } from './logger.js';
import type { SDK_VERSION } from './runner.js';

export const ProbeAttemptSchema = Type.Object(
  {
    ok: Type.Boolean(),
    durationMs: Type.Number({ minimum: 0 }),
    detail: Type.String(),
  },
  { additionalProperties: false },
);
export type ProbeAttempt = S2<typeof ProbeAttemptSchema>;

export interface ProbeContext<O = unknown> {
  /** Read-only exec inside the container (probes never change anything). */
  exec: Pick<Exec, 'read'>;
  log: Logger;
  signal: AbortSignal;
  options: O;
  container: ContainerInfo;
  /** The container's address as the host sees it, when the host adapter can tell. */
  address?: string;
}

/** A probe answers "does the application work?" with one attempt; the engine schedules retries. */
export interface Probe<S extends TSchema = TSchema> {
  id: string;
  sdk: typeof SDK_VERSION;
  description: string;
  optionsSchema: S;
  attempt(ctx: ProbeContext<Static<S>>): Promise<ProbeAttempt>;
}

export function defineProbe<S extends TSchema>(probe: Probe<S>): Probe<S> {
  return probe;
}
