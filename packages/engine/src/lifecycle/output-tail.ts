/** How many lines of a failed command's output the log, the report (`error.output`) and notifications keep. */
export const OUTPUT_TAIL_LINES = 50;
/** A longer line (a progress bar, a minified blob) is cut: the tail is for reading, not for replaying. */
const MAX_LINE_CHARS = 500;

function lines(text: string): string[] {
  const all = text.replace(/\r\n/g, '\n').split('\n');
  // A stream that ends with a newline would otherwise yield an empty last line.
  while (all.length > 0 && (all[all.length - 1] as string).trim() === '') all.pop();
  return all.map((l) => (l.length > MAX_LINE_CHARS ? `${l.slice(0, MAX_LINE_CHARS)}…` : l));
}

/**
 * The last lines of a failed command's stdout and stderr, stdout first. Each stream keeps its own
 * tail before they are joined, so a chatty stream cannot push the other out: apt-get prints
 * "Errors were encountered while processing:" on stdout while dpkg's own
 * `dpkg: error processing archive …` lines and apt's closing `E: Sub-process … returned an error
 * code (1)` go to stderr; both halves must survive. When both streams are long each gets half.
 * Not redacted here: the report is scrubbed as a whole, log lines by their destination.
 */
export function outputTail(stdout: string, stderr: string, max = OUTPUT_TAIL_LINES): string[] {
  const out = lines(stdout);
  const err = lines(stderr);
  const half = Math.floor(max / 2);
  let errKeep = Math.min(err.length, max);
  let outKeep = Math.min(out.length, max - errKeep);
  if (out.length > outKeep && errKeep > half) {
    errKeep = Math.max(half, max - out.length);
    outKeep = Math.min(out.length, max - errKeep);
  }
  return [...out.slice(out.length - outKeep), ...err.slice(err.length - errKeep)];
}

/** The `output` a coded error carries in its details (set by the engine's exec for a failed command), if any. */
export function outputOf(details: Record<string, unknown> | undefined): string[] | undefined {
  const output = details?.['output'];
  if (!Array.isArray(output) || output.length === 0 || !output.every((l) => typeof l === 'string')) return undefined;
  return output.slice(-OUTPUT_TAIL_LINES);
}
