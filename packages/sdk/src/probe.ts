import type { Static, TSchema } from '@sinclair/typebox';
import { type Static as S2, Type } from '@sinclair/typebox';
import type { ContainerInfo } from './container.js';
import type { Exec } from './exec.js';
import type { Logger } from './logger.js';
import type { DeclaredCommand, SDK_VERSION } from './runner.js';

/** One health-check attempt: did it pass, how long it took, and a short detail for the report. */
export const ProbeAttemptSchema = Type.Object(
  {
    ok: Type.Boolean(),
    durationMs: Type.Number({ minimum: 0 }),
    detail: Type.String(),
  },
  { additionalProperties: false },
);
/** See ProbeAttemptSchema. */
export type ProbeAttempt = S2<typeof ProbeAttemptSchema>;

/** What the engine hands Probe.attempt. */
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
  /**
   * Optional, pure: every command its options make it run in the container (the cmd probe's
   * argv). The engine checks each binary against global.yml's command_allowlist at validation
   * time, as for hooks and custom runner steps: a probe runs before the backup.
   */
  declaredCommands?(options: Static<S>): DeclaredCommand[];
}

/** Identity function that types a probe's options from its schema. */
export function defineProbe<S extends TSchema>(probe: Probe<S>): Probe<S> {
  return probe;
}
