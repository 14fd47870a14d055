import { Value } from '@sinclair/typebox/value';
import { silentLogger } from '@unrot/sdk';
import { describe, expect, it } from 'vitest';
import probe, { TcpOptionsSchema } from '../src/index.js';
import { closedPort, listenOnLoopback } from './contract-scenarios.js';

const ctx = (options: unknown, signal: AbortSignal = new AbortController().signal) => ({
  exec: { read: async () => Promise.reject(new Error('unused')) },
  log: silentLogger,
  signal,
  options: Value.Default(TcpOptionsSchema, options) as never,
  container: { vmid: 101, name: 'ct101', status: 'running' as const, tags: [], unprivileged: true, template: false },
});

describe('probe tcp', () => {
  it('requires a port and rejects out-of-range ports and host names with shell characters', () => {
    expect(Value.Check(TcpOptionsSchema, Value.Default(TcpOptionsSchema, {}))).toBe(false);
    expect(Value.Check(TcpOptionsSchema, { port: 0, timeout_ms: 10 })).toBe(false);
    expect(Value.Check(TcpOptionsSchema, { port: 70000, timeout_ms: 10 })).toBe(false);
    expect(Value.Check(TcpOptionsSchema, { host: 'a;b', port: 80, timeout_ms: 10 })).toBe(false);
    expect(Value.Check(TcpOptionsSchema, Value.Default(TcpOptionsSchema, { port: 80 }))).toBe(true);
  });

  it('sees a port open, then closed once the server stops', async () => {
    const { server, port } = await listenOnLoopback();
    const open = await probe.attempt(ctx({ port }));
    expect(open.ok).toBe(true);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const closed = await probe.attempt(ctx({ port }));
    expect(closed).toMatchObject({ ok: false });
    expect(closed.detail).toContain(`127.0.0.1:${port}: connection refused`);
  });

  it('a closed port fails fast, well within its timeout', async () => {
    const port = await closedPort();
    const started = performance.now();
    const result = await probe.attempt(ctx({ port, timeout_ms: 5_000 }));
    expect(result.ok).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
