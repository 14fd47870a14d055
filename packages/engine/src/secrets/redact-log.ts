import type { DestinationStream, LoggerOptions } from 'pino';
import type { Redactor } from './redactor.js';

type Stream = DestinationStream & { flush?: () => void; flushSync?: () => void; end?: () => void };

/**
 * Wraps a pino destination so every line is scrubbed just before it is written: this catches
 * the message, the bindings (`base`, children) and serialized errors alike.
 */
export function redactingDestination(dest: Stream, redactor: Redactor): Stream {
  return {
    write: (line: string) => dest.write(redactor.string(line)),
    flush: () => dest.flush?.(),
    flushSync: () => dest.flushSync?.(),
    end: () => dest.end?.(),
  };
}

/**
 * pino options that scrub the log object and string arguments before serialization, for
 * loggers whose destination cannot be wrapped (e.g. a transport). Merge into the logger options.
 */
export function redactingPinoOptions(redactor: Redactor): Pick<LoggerOptions, 'formatters' | 'hooks'> {
  return {
    formatters: { log: (object) => redactor.value(object) },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => redactor.value(a)) as Parameters<typeof method>);
      },
    },
  };
}
