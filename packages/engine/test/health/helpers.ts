import { createServer, get, type Server } from 'node:http';
import { Type } from '@sinclair/typebox';
import { type ContainerInfo, defineProbe, type ProbeContext, silentLogger, UnrotError } from '@unrot/sdk';
import type { Clock } from '../../src/health/clock.js';

/** Servers close themselves after this long even if a test forgets to. */
const SELF_STOP_MS = 60_000;

export interface ScriptedServer {
  url: string;
  port: number;
  /** How many requests arrived. */
  hits(): number;
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1 whose n-th request gets the n-th answer of the script
 * (the last one repeats): a status, optionally after a delay.
 */
export async function startScriptedServer(script: readonly (number | { status: number; delayMs: number })[]): Promise<ScriptedServer> {
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    const step = script[Math.min(hits, script.length - 1)] ?? 200;
    hits++;
    const { status, delayMs } = typeof step === 'number' ? { status: step, delayMs: 0 } : step;
    const timer = setTimeout(() => res.writeHead(status).end(String(status)), delayMs);
    res.on('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
      if (!server.listening) resolve();
    });
  setTimeout(() => void close(), SELF_STOP_MS).unref();
  return { url: `http://127.0.0.1:${address.port}/health`, port: address.port, hits: () => hits, close };
}

/**
 * A minimal real probe for the engine's tests (the engine never imports probe plugins):
 * GET options.url, ok on 2xx. It honours its signal like a plugin must.
 */
export const statusProbe = defineProbe({
  id: 'status',
  sdk: 1,
  description: 'GET a URL; 2xx passes',
  optionsSchema: Type.Object({ url: Type.String() }),
  attempt: (ctx) =>
    new Promise((resolve, reject) => {
      if (ctx.signal.aborted) {
        reject(new UnrotError('E_EXEC_ABORTED', 'aborted'));
        return;
      }
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      const req = get(ctx.options.url, { signal: ctx.signal }, (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          resolve({ ok: status >= 200 && status < 300, durationMs: elapsed(), detail: `${status} in ${elapsed()} ms` });
        });
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (ctx.signal.aborted) reject(new UnrotError('E_EXEC_ABORTED', 'aborted'));
        else resolve({ ok: false, durationMs: elapsed(), detail: error.code ?? error.message });
      });
    }),
});

export const container: ContainerInfo = { vmid: 101, name: 'ct101', status: 'running', tags: [], unprivileged: true, template: false };

export function contextFor(url: string): (signal: AbortSignal) => ProbeContext<unknown> {
  return (signal) => ({
    exec: { read: () => Promise.reject(new Error('unused')) },
    log: silentLogger,
    signal,
    options: { url },
    container,
  });
}

/** A clock whose sleeps return at once and move time forward; it records every wait. */
export function fakeClock(start = Date.parse('2026-11-26T02:00:00Z')): Clock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    async sleep(ms, signal) {
      if (signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'aborted');
      sleeps.push(ms);
      now += ms;
    },
  };
}
