import { type ErrorCode, type LifecycleStep, toUnrotError, UnrotError } from '@unrot/sdk';
import { outputOf } from './output-tail.js';

/** Where a container's failure happened: a lifecycle step, or `unknown` outside any step (a runner that failed to load). */
export type FailedStep = LifecycleStep | 'unknown';

/**
 * A coded error that knows the lifecycle step (and runner) it came from. The report's
 * `error: {step, runner?, code, message}` is read straight from it.
 */
export class StepError extends UnrotError {
  readonly step: FailedStep;
  readonly runner: string | undefined;

  constructor(
    step: FailedStep,
    code: ErrorCode,
    message: string,
    options: { runner?: string | undefined; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(code, message, options.details ?? {}, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UnrotError';
    this.step = step;
    this.runner = options.runner;
  }

  /** Anything thrown inside a step, as a StepError of that step; one that already has a step or runner keeps it. */
  static of(thrown: unknown, step: FailedStep, runner?: string): StepError {
    if (thrown instanceof StepError) {
      if (thrown.runner !== undefined || runner === undefined) return thrown;
      return new StepError(thrown.step, thrown.code, thrown.message, { runner, details: thrown.details, cause: thrown.cause });
    }
    const error = toUnrotError(thrown);
    return new StepError(step, error.code, error.message, { runner, details: error.details, cause: thrown });
  }

  /** The report's error entry; `output` is the failing command's output tail, when a command failed. */
  toInfo(): { step: string; code: string; message: string; runner?: string; output?: string[] } {
    const output = outputOf(this.details);
    return {
      step: this.step,
      code: this.code,
      message: this.message,
      ...(this.runner ? { runner: this.runner } : {}),
      ...(output ? { output } : {}),
    };
  }
}
