/**
 * The API front: node:https on 127.0.0.1 speaking pveproxy's `/api2/json` dialect — token auth
 * (`Authorization: PVEAPIToken=user@realm!name=secret`), `{"data": …}` bodies, errors as the
 * status line's reason plus `{"data":null,"message":…}` (and `errors` for 400), unauthorised
 * calls answered after a delay (pveproxy waits 3 s), keep-alive connections.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { PveError } from '../pve-errors.js';
import type { ApiBackend } from './backend.js';
import { ApiError, dispatch, findRoute } from './routes.js';
import { TaskManager } from './tasks.js';
import { type ApiToken, privilegesOn, verifyToken } from './tokens.js';

export interface ApiServerOptions {
  backend: ApiBackend;
  /** Current tokens; called per request so a changed token file takes effect at once. */
  tokens: () => ApiToken[];
  certPath: string;
  keyPath: string;
  /** R/var/log/pve/tasks */
  taskLogDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** pveproxy delays every 401 by 3 s; tests may shorten it. */
  authFailDelayMs?: number;
  /** Called once per request (the benchmark counts API calls per container). */
  onRequest?: (method: string, path: string) => void;
}

export interface ApiServer {
  server: Server;
  port: number;
  tasks: TaskManager;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
const BASE = '/api2/json';

/** The reason phrase: the message's first line, without characters HTTP does not allow. */
function reason(message: string): string {
  return (message.split('\n')[0] ?? '').replace(/[^\t\x20-\x7e\x80-\xff]/g, '').slice(0, 512) || 'Error';
}

function send(res: ServerResponse, status: number, body: unknown, message?: string): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.statusCode = status;
  if (message !== undefined) res.statusMessage = reason(message);
  res.setHeader('Server', 'pve-api-daemon/3.0');
  res.setHeader('Cache-Control', 'max-age=0');
  res.setHeader('Pragma', 'no-cache');
  if (text) {
    res.setHeader('Content-Type', 'application/json;charset=UTF-8');
    res.setHeader('Content-Length', Buffer.byteLength(text));
  } else res.setHeader('Content-Length', 0);
  res.end(text);
}

function decodeForm(text: string, into: Record<string, string>): void {
  for (const [k, v] of new URLSearchParams(text)) into[k] = v;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(501, 'for data too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const tasks = new TaskManager(opts.backend.node, opts.taskLogDir);
  // A cluster's other nodes run their own tasks (UPIDs naming them), made on first use.
  const otherTasks = new Map<string, TaskManager>();
  const tasksFor = (node: string): TaskManager => {
    if (node === opts.backend.node) return tasks;
    let t = otherTasks.get(node);
    if (!t) {
      t = new TaskManager(node, opts.taskLogDir);
      otherTasks.set(node, t);
    }
    return t;
  };
  const delay = opts.authFailDelayMs ?? 3000;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'https://localhost');
    const path = decodeURIComponent(url.pathname);
    if (!['GET', 'POST', 'PUT', 'DELETE'].includes(method)) return send(res, 501, undefined, `method '${method}' not available`);
    if (!path.startsWith(`${BASE}/`) && path !== BASE) return send(res, 501, undefined, 'no such uri');
    const rel = path.slice(BASE.length).replace(/\/+$/, '') || '/';
    opts.onRequest?.(method, rel);

    const auth = verifyToken(opts.tokens(), req.headers.authorization);
    if ('error' in auth) {
      await readBody(req).catch(() => '');
      await new Promise((r) => setTimeout(r, delay));
      return send(res, 401, undefined, auth.error);
    }
    const token = auth.token;
    try {
      const params: Record<string, string> = {};
      if (method === 'POST' || method === 'PUT') {
        const body = await readBody(req);
        const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
        if (body.length > 0) {
          if (ct === 'application/json') {
            const parsed = JSON.parse(body) as Record<string, unknown>;
            for (const [k, v] of Object.entries(parsed))
              params[k] = typeof v === 'string' ? v : typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
          } else if (ct === '' || ct === 'application/x-www-form-urlencoded') decodeForm(body, params);
          else throw new ApiError(506, `upload 'Content-Type '${req.headers['content-type']}' not implemented`);
        }
      } else if ((await readBody(req)).length > 0) {
        throw new ApiError(501, `Unexpected content for method '${method}'`);
      }
      decodeForm(url.search.slice(1), params);
      delete params['_dc'];
      const found = findRoute(method, rel);
      if (!found)
        return send(
          res,
          501,
          { data: null, message: `Method '${method} ${rel}' not implemented` },
          `Method '${method} ${rel}' not implemented`,
        );
      for (const [k, v] of Object.entries(found.uriParams)) {
        if (params[k] !== undefined && params[k] !== v) {
          throw new ApiError(400, 'Parameter verification failed.', {
            [k]: 'duplicate parameter (already defined in URI) with conflicting values!',
          });
        }
        params[k] = v;
      }
      const check = (p: string, privs: string[], any = false) => {
        const have = privilegesOn(token, p);
        if (any ? privs.some((x) => have.has(x)) : privs.every((x) => have.has(x))) return;
        const missing = any ? privs.join('|') : privs.find((x) => !have.has(x))!;
        throw new ApiError(403, `Permission check failed (${p}, ${missing})`);
      };
      const has = (p: string, privs: string[]) => privs.every((x) => privilegesOn(token, p).has(x));
      const result = await dispatch(found.route, params, { token, backend: opts.backend, tasks, tasksFor, check, has });
      const body: Record<string, unknown> = { data: result.data ?? null };
      if (result.total) body['total'] = result.total;
      return send(res, 200, body);
    } catch (err) {
      if (err instanceof ApiError) {
        const message = `${err.message}\n`;
        const body: Record<string, unknown> = { data: null, message };
        if (err.errors) body['errors'] = err.errors;
        return send(res, err.status, body, err.message);
      }
      const message = err instanceof PveError ? err.message : err instanceof Error ? err.message : String(err);
      const text = message.endsWith('\n') ? message : `${message}\n`;
      return send(res, 500, { data: null, message: text }, message);
    }
  };

  const server = createServer(
    { cert: readFileSync(opts.certPath), key: readFileSync(opts.keyPath), keepAlive: true, keepAliveTimeout: 5000 },
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) send(res, 501, undefined, err instanceof Error ? err.message : String(err));
      });
    },
  );
  // pveproxy keeps idle connections 5 s (timeout => 5).
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8006, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    tasks,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await Promise.all([tasks, ...otherTasks.values()].map((t) => t.waitAll()));
    },
  };
}
