import type { ProbeFixture, ProbeScenario } from '@unrot/sdk/testing';
import { makeSelfSignedCert, startHttpServer, startHttpsServer } from './helpers/servers.js';

/** A scenario against a fresh HTTP server on 127.0.0.1; `options` gets the server's port. */
function http(name: string, options: (port: number) => Record<string, unknown>, expect: ProbeScenario['expect']): ProbeScenario {
  return {
    name,
    async setup(): Promise<ProbeFixture> {
      const server = await startHttpServer();
      return { options: options(server.port), address: '127.0.0.1', teardown: server.close };
    },
    expect,
  };
}

/** A scenario against an HTTPS server with a self-signed certificate made for it by openssl. */
function https(
  name: string,
  options: (port: number, caFile: string) => Record<string, unknown>,
  expect: ProbeScenario['expect'],
): ProbeScenario {
  return {
    name,
    async setup(): Promise<ProbeFixture> {
      const cert = await makeSelfSignedCert();
      const server = await startHttpsServer(cert);
      return {
        options: options(server.port, cert.certFile),
        address: '127.0.0.1',
        async teardown() {
          await server.close();
          await cert.remove();
        },
      };
    },
    expect,
  };
}

export const scenarios: ProbeScenario[] = [
  http('200 with the expected body text', (port) => ({ port, path: '/ok', body_contains: 'status: ok' }), {
    ok: true,
    detailMatches: /^GET http:\/\/127\.0\.0\.1:\d+\/ok → 200 in \d+ ms$/,
  }),
  http('204 when 200 and 204 are expected', (port) => ({ port, path: '/no-content', expect_status: [200, 204] }), {
    ok: true,
    detailMatches: /→ 204 in/,
  }),
  http('500', (port) => ({ port, path: '/fail' }), { ok: false, detailMatches: /→ 500 in \d+ ms, expected 2xx$/ }),
  http('a redirect is not followed', (port) => ({ port, path: '/redirect' }), {
    ok: false,
    detailMatches: /→ 302 in \d+ ms, expected 2xx$/,
  }),
  http('200 but slower than the latency SLO', (port) => ({ port, path: '/slow?ms=300', latency_slo_ms: 100 }), {
    ok: false,
    detailMatches: /→ 200 in \d+ ms, slower than the 100 ms SLO$/,
  }),
  http('no complete response within the timeout', (port) => ({ port, path: '/slow?ms=3000', timeout_ms: 200 }), {
    ok: false,
    detailMatches: /no complete response within 200 ms$/,
  }),
  http('the connection is dropped in the middle of the body', (port) => ({ port, path: '/drop' }), {
    ok: false,
    detailMatches:
      /→ 200, then the body failed after \d+ ms: the connection closed before the whole body arrived \(UND_ERR_RES_CONTENT_LENGTH_MISMATCH\)$/,
  }),
  http('the connection is dropped in the middle of a chunked body', (port) => ({ port, path: '/drop-chunked' }), {
    ok: false,
    detailMatches:
      /→ 200, then the body failed after \d+ ms: the connection closed before the whole body arrived \(HPE_INVALID_EOF_STATE\)$/,
  }),
  http('200 but the body does not match', (port) => ({ port, path: '/ok', body_regex: '^version: 2\\.' }), {
    ok: false,
    detailMatches: /→ 200 in \d+ ms, but the body does not match \/\^version: 2\\\.\/$/,
  }),
  {
    name: 'a closed port',
    async setup() {
      const server = await startHttpServer();
      await server.close();
      return { options: { port: server.port, path: '/ok' }, address: '127.0.0.1', teardown: async () => {} };
    },
    expect: { ok: false, detailMatches: /failed after \d+ ms: connection refused \(ECONNREFUSED\)$/ },
  },
  https(
    'HTTPS trusting the self-signed certificate through ca_file',
    (port, ca) => ({ scheme: 'https', port, path: '/ok', tls: { ca_file: ca } }),
    {
      ok: true,
      detailMatches: /^GET https:\/\/127\.0\.0\.1:\d+\/ok → 200/,
    },
  ),
  https('HTTPS with a self-signed certificate and no CA', (port) => ({ scheme: 'https', port, path: '/ok' }), {
    ok: false,
    detailMatches: /TLS: self-signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)$/,
  }),
  https('HTTPS with insecure_skip_verify', (port) => ({ scheme: 'https', port, path: '/ok', tls: { insecure_skip_verify: true } }), {
    ok: true,
  }),
  https(
    'HTTPS with a servername the certificate does not carry',
    (port, ca) => ({ scheme: 'https', port, path: '/ok', tls: { ca_file: ca, servername: 'other.test' } }),
    { ok: false, detailMatches: /TLS: certificate does not name this host \(ERR_TLS_CERT_ALTNAME_INVALID\)$/ },
  ),
];
