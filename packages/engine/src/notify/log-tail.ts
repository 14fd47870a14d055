import { open } from 'node:fs/promises';

/** Fields every line of a container log carries; left out of the rendered line. */
const NOISE = new Set(['level', 'time', 'msg', 'runId', 'vmid', 'pid', 'hostname']);
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Enough for 20 long lines; the log of a long apply can be megabytes. */
const TAIL_BYTES = 256 * 1024;
const MAX_LINE = 400;

/** One pino JSON line as `time LEVEL msg {other fields}`, a non-JSON line as it is. */
export function renderLogLine(line: string): string {
  let out: string;
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    const level = typeof o.level === 'number' ? (LEVELS[o.level] ?? String(o.level)) : String(o.level ?? '');
    const rest = Object.fromEntries(Object.entries(o).filter(([k]) => !NOISE.has(k)));
    const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
    out = `${String(o.time ?? '')} ${level} ${String(o.msg ?? '')}${extra}`.trim();
  } catch {
    out = line;
  }
  return out.length > MAX_LINE ? `${out.slice(0, MAX_LINE - 1)}…` : out;
}

/** The last `count` lines of a JSON-lines log, rendered; [] when the file is missing or empty. */
export async function readLogTail(file: string, count = 20): Promise<string[]> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch {
    return [];
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const lines = buffer.toString('utf8').split('\n');
    if (start > 0) lines.shift(); // a partial first line
    return lines
      .filter((l) => l.trim() !== '')
      .slice(-count)
      .map(renderLogLine);
  } finally {
    await handle.close();
  }
}
