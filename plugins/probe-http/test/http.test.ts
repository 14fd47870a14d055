import { Value } from '@sinclair/typebox/value';
import { type ContainerInfo, isUnrotError, silentLogger } from '@unrot/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import probe, { HttpOptionsSchema, statusMatches } from '../src/index.js';
import { startHttpServer, type TestServer } from './helpers/servers.js';

const container: ContainerInfo = { vmid: 101, name: 'ct101', status: 'running', tags: [], unprivileged: true, template: false };

function attempt(options: unknown, address?: string) {
  const ctx = {
    exec: { read: () => Promise.reject(new Error('an http probe runs no command')) },
    log: silentLogger,
    signal: new AbortController().signal,
    options: Value.Default(HttpOptionsSchema, structuredClone(options)) as never,
    container,
    ...(address === undefined ? {} : { address }),
  };
  return probe.attempt(ctx);
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

let server: TestServer;
beforeAll(async () => {
  server = await startHttpServer();
});
afterAll(() => server.close());

describe('probe http options', () => {
  it('defaults to GET / expecting 2xx and accepts codes, classes and ranges', () => {
    const defaults = Value.Default(HttpOptionsSchema, {});
    expect(Value.Check(HttpOptionsSchema, defaults)).toBe(true);
    expect(defaults).toMatchObject({ scheme: 'http', path: '/', method: 'GET', expect_status: ['2xx'], timeout_ms: 5000 });
    expect(Value.Check(HttpOptionsSchema, Value.Default(HttpOptionsSchema, { expect_status: [200, '3xx', '400-404'] }))).toBe(true);
    for (const bad of [['2XX'], [99], ['200-'], [], ['6xx']])
      expect(Value.Check(HttpOptionsSchema, Value.Default(HttpOptionsSchema, { expect_status: bad }))).toBe(false);
    expect(Value.Check(HttpOptionsSchema, Value.Default(HttpOptionsSchema, { method: 'POST' }))).toBe(false);
    expect(Value.Check(HttpOptionsSchema, Value.Default(HttpOptionsSchema, { url: 'ftp://x/' }))).toBe(false);
    expect(Value.Check(HttpOptionsSchema, Value.Default(HttpOptionsSchema, { headers: { 'bad header': 'x' } }))).toBe(false);
  });

  it('matches statuses by code, class and inclusive range', () => {
    expect(statusMatches(204, ['2xx'])).toBe(true);
    expect(statusMatches(301, ['2xx'])).toBe(false);
    expect(statusMatches(404, [200, '400-404'])).toBe(true);
    expect(statusMatches(405, [200, '400-404'])).toBe(false);
  });
});

describe('probe http against a real server on 127.0.0.1', () => {
  it("uses the container's address when no host or url is given", async () => {
    const result = await attempt({ port: server.port, path: '/ok' }, '127.0.0.1');
    expect(result.ok).toBe(true);
    expect(result.detail).toBe(`GET http://127.0.0.1:${server.port}/ok → 200 in ${result.durationMs} ms`);
  });

  it('sends HEAD and the configured headers, and keeps header values, credentials and the query out of the detail', async () => {
    const head = await attempt({ url: `${server.url}/ok`, method: 'HEAD', headers: { 'X-Token': 'hdr-s3cr3t' } });
    expect(head.ok).toBe(true);
    expect(server.requests.at(-1)).toMatchObject({ method: 'HEAD', url: '/ok', headers: { 'x-token': 'hdr-s3cr3t' } });
    expect(head.detail).not.toContain('hdr-s3cr3t');

    const withSecrets = await attempt({ url: `http://probe:pw-s3cr3t@127.0.0.1:${server.port}/ok?token=q-s3cr3t` });
    expect(withSecrets.ok).toBe(true);
    expect(withSecrets.detail).toBe(`GET http://127.0.0.1:${server.port}/ok?… → 200 in ${withSecrets.durationMs} ms`);
    expect(server.requests.at(-1)?.url).toBe('/ok?token=q-s3cr3t');
    expect(server.requests.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from('probe:pw-s3cr3t').toString('base64')}`);
  });

  it('a 500 fails even with a matching body; a range can accept it', async () => {
    expect((await attempt({ port: server.port, path: '/fail', body_contains: 'database' })).ok).toBe(false);
    expect((await attempt({ port: server.port, path: '/fail', expect_status: ['500-503'], body_contains: 'database' })).ok).toBe(true);
  });

  it('a slow response within its SLO passes and reports how long it took', async () => {
    const result = await attempt({ port: server.port, path: '/slow?ms=150', latency_slo_ms: 2_000 });
    expect(result.ok).toBe(true);
    expect(result.durationMs).toBeGreaterThanOrEqual(140);
  });

  it('searches only max_body_bytes of the body', async () => {
    expect((await attempt({ port: server.port, path: '/ok', body_contains: 'version', max_body_bytes: 8 })).ok).toBe(false);
    expect((await attempt({ port: server.port, path: '/ok', body_contains: 'status', max_body_bytes: 8 })).ok).toBe(true);
  });

  it('refuses configurations that cannot work with E_CONFIG and sends nothing', async () => {
    const before = server.requests.length;
    for (const options of [
      { port: server.port, method: 'HEAD', body_contains: 'ok' },
      { port: server.port, body_regex: '(' },
      { scheme: 'https', port: server.port, tls: { ca_file: '/nonexistent/unrot-ca.pem' } },
    ]) {
      const error = await rejection(attempt(options));
      expect(isUnrotError(error) && error.code, JSON.stringify(options)).toBe('E_CONFIG');
    }
    expect(server.requests.length).toBe(before);
  });

  it('an HTTPS probe against a plain HTTP port fails with a TLS detail', async () => {
    const result = await attempt({ scheme: 'https', port: server.port, path: '/ok', timeout_ms: 2_000 });
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/^GET https:\/\/127\.0\.0\.1:\d+\/ok failed after \d+ ms: /);
  });

  it('an attempt aborted while waiting ends at once with E_EXEC_ABORTED', async () => {
    const controller = new AbortController();
    const ctx = {
      exec: { read: () => Promise.reject(new Error('unused')) },
      log: silentLogger,
      signal: controller.signal,
      options: Value.Default(HttpOptionsSchema, { port: server.port, path: '/slow?ms=5000' }) as never,
      container,
    };
    const started = performance.now();
    const pending = rejection(probe.attempt(ctx));
    setTimeout(() => controller.abort(), 100);
    const error = await pending;
    expect(isUnrotError(error) && error.code).toBe('E_EXEC_ABORTED');
    expect(performance.now() - started).toBeLessThan(1_500);
  });
});
