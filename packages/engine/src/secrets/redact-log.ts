import type { DestinationStream, LoggerOptions } from 'pino';
import type { Redactor } from './redactor.js';

type Callback = (error?: Error | null) => void;
type Stream = DestinationStream & { flush?: (cb?: Callback) => void; flushSync?: () => void; end?: () => void };

/**
 * Wraps a pino destination so every line is scrubbed just before it is written: this catches
 * the message, the bindings (`base`, children) and serialized errors alike. Pass it as pino's
 * second argument, `pino(options, redactingDestination(dest, r))`: a lone object is read as options.
 */
export function redactingDestination(dest: Stream, redactor: Redactor): Stream {
  return {
    write: (line: string) => dest.write(redactor.string(line)),
    // pino's flush(cb) waits for the callback: pass it through, or call it when there is nothing to flush.
    flush: (cb?: Callback) => (dest.flush ? dest.flush(cb) : cb?.()),
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
