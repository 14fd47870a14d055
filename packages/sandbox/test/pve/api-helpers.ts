/**
 * A running API front for tests: real HTTPS on 127.0.0.1 with the sandbox's own CA, real token
 * checks, the SandboxBackend over a test sandbox root. The client verifies TLS against that CA.
 */

import { readFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { SandboxBackend } from '../../src/pve/api/sandbox-backend.js';
import { type ApiServer, startApiServer } from '../../src/pve/api/server.js';
import { ensureNodeCerts, type NodeCerts } from '../../src/pve/api/tls.js';
import { type AclEntry, loadTokens, setToken } from '../../src/pve/api/tokens.js';
import type { TestSandbox } from './helpers.js';

export interface ApiResponse {
  status: number;
  reason: string;
  body: string;
  json: { data?: unknown; message?: string; errors?: Record<string, string>; total?: number } | undefined;
}

export interface ApiFixture {
  server: ApiServer;
  certs: NodeCerts;
  agent: Agent;
  /** Authorization header value of a token made with `token()`. */
  token(tokenid: string, acl?: AclEntry[]): string;
  call(
    method: string,
    path: string,
    opts?: { auth?: string | null; form?: Record<string, string>; query?: Record<string, string> },
  ): Promise<ApiResponse>;
  /** Polls a task until it stopped; returns its status data. */
  waitTask(upid: string, auth?: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startApiFixture(sb: TestSandbox, authFailDelayMs = 50): Promise<ApiFixture> {
  const certs = await ensureNodeCerts(sb.paths);
  const server = await startApiServer({
    backend: new SandboxBackend(sb.paths),
    tokens: () => loadTokens(sb.paths),
    certPath: certs.certPath,
    keyPath: certs.keyPath,
    taskLogDir: join(sb.root, 'var/log/pve/tasks'),
    port: 0,
    authFailDelayMs,
  });
  const agent = new Agent({ keepAlive: true, ca: readFileSync(certs.caPath) });
  const token = (tokenid: string, acl?: AclEntry[]) => {
    const t = setToken(sb.paths, { tokenid, ...(acl ? { acl } : {}) });
    return `PVEAPIToken=${t.tokenid}=${t.secret}`;
  };
  const defaultAuth = token('unrot@pve!unrot');
  const call: ApiFixture['call'] = (method, path, opts = {}) =>
    new Promise((resolve, reject) => {
      const qs = opts.query ? `?${new URLSearchParams(opts.query)}` : '';
      const body = opts.form ? new URLSearchParams(opts.form).toString() : undefined;
      const headers: Record<string, string> = {};
      const auth = opts.auth === undefined ? defaultAuth : opts.auth;
      if (auth !== null) headers['Authorization'] = auth;
      if (body !== undefined) {
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
        headers['Content-Length'] = String(Buffer.byteLength(body));
      }
      const req = httpsRequest({ host: '127.0.0.1', port: server.port, method, path: `/api2/json${path}${qs}`, agent, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => {
          let json: ApiResponse['json'];
          try {
            json = text ? (JSON.parse(text) as ApiResponse['json']) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '', body: text, json });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  const waitTask = async (upid: string, auth?: string) => {
    for (let i = 0; i < 600; i++) {
      const r = await call('GET', `/nodes/${sb.paths.node}/tasks/${encodeURIComponent(upid)}/status`, auth ? { auth } : {});
      const st = r.json?.data as Record<string, unknown> | undefined;
      if (r.status !== 200) throw new Error(`task status: ${r.status} ${r.reason}`);
      if (st?.['status'] === 'stopped') return st;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`task ${upid} did not end`);
  };
  return {
    server,
    certs,
    agent,
    token,
    call,
    waitTask,
    close: async () => {
      agent.destroy();
      await server.close();
    },
  };
}
