import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { UnrotError } from '@unrot/sdk';
import { Pool } from 'undici';
import { createRedactor, type Redactor } from '../../secrets/redactor.js';
import { apiHttpError, apiTransportError, type RequestSite } from './api-errors.js';
import { EnvelopeSchema } from './api-schemas.js';
import { type ApiTls, apiConnector } from './api-tls.js';

/** An API token: `user@realm!tokenid` and its secret (a UUID). */
export interface ApiToken {
  id: string;
  secret: string;
}

export interface ApiClientOptions {
  /** https://host:port of pveproxy, e.g. https://127.0.0.1:8006. */
  url: string;
  token: ApiToken;
  tls: ApiTls;
  /** TCP + TLS handshake limit; default 10 s. */
  connectTimeoutMs?: number;
  /** Limit for one request's answer (not a task: tasks are followed separately); default 60 s. */
  requestTimeoutMs?: number;
  /** Keep-alive connections to pveproxy at most; default 8. */
  connections?: number;
}

export type Query = Record<string, string | number | boolean | undefined>;

/** `user@realm!tokenid` (pve-access-control's token id: realm user plus `!` and a configid). */
export const TOKEN_ID_PATTERN = '^[^\\s@:!]+@[A-Za-z][A-Za-z0-9._-]*![A-Za-z][A-Za-z0-9._-]*$';
const TOKEN_ID = new RegExp(TOKEN_ID_PATTERN);
const MAX_BODY_BYTES = 16 * 1024 * 1024;

function encode(params: Query | undefined): string {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {}))
    if (v !== undefined) out.append(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  return out.toString();
}

/**
 * The Proxmox VE API over one keep-alive undici Pool. Every answer is checked twice: the
 * `{data: …}` envelope, then `data` against the caller's schema (E_API_RESPONSE on a mismatch,
 * naming the first wrong field). The token goes only into the Authorization header; it is
 * never put in an error, a log line or a URL.
 */
export class PveApiClient {
  readonly origin: string;
  readonly tokenId: string;
  readonly #authorization: string;
  readonly #pool: Pool;
  readonly #requestTimeoutMs: number;
  /** Scrubs the secret from anything a server sends back into an error (a proxy echoing headers). */
  readonly #redactor: Redactor;

  constructor(options: ApiClientOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new UnrotError('E_CONFIG', 'host.url is not a URL (expected https://host:8006)');
    }
    if (url.protocol !== 'https:' || url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search)
      throw new UnrotError('E_CONFIG', `host.url must be https://host[:port] with nothing after it (got ${url.origin})`);
    if (!TOKEN_ID.test(options.token.id))
      throw new UnrotError('E_CONFIG', `host.token_id ${JSON.stringify(options.token.id.slice(0, 128))} is not user@realm!tokenid`);
    if (options.token.secret.length === 0 || /[\s\r\n]/.test(options.token.secret))
      throw new UnrotError('E_CONFIG', 'the API token secret is empty or contains whitespace');
    this.origin = url.origin;
    this.tokenId = options.token.id;
    this.#authorization = `PVEAPIToken=${options.token.id}=${options.token.secret}`;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.#redactor = createRedactor([options.token.secret]);
    this.#pool = new Pool(this.origin, {
      connect: apiConnector(options.tls, options.connectTimeoutMs ?? 10_000),
      connections: options.connections ?? 8,
      keepAliveTimeout: 30_000,
      headersTimeout: this.#requestTimeoutMs,
      bodyTimeout: this.#requestTimeoutMs,
    });
  }

  get<S extends TSchema>(path: string, schema: S, query?: Query, signal?: AbortSignal): Promise<Static<S>> {
    return this.call('GET', path, schema, query, undefined, signal).then((r) => r.data);
  }

  /** GET that also returns the envelope's `total` (paged lists: task logs). */
  getPaged<S extends TSchema>(path: string, schema: S, query?: Query, signal?: AbortSignal): Promise<{ data: Static<S>; total?: number }> {
    return this.call('GET', path, schema, query, undefined, signal);
  }

  post<S extends TSchema>(path: string, schema: S, form?: Query, signal?: AbortSignal): Promise<Static<S>> {
    return this.call('POST', path, schema, undefined, form, signal).then((r) => r.data);
  }

  delete<S extends TSchema>(path: string, schema: S, query?: Query, signal?: AbortSignal): Promise<Static<S>> {
    return this.call('DELETE', path, schema, query, undefined, signal).then((r) => r.data);
  }

  /** Closes the pool's connections (the client is unusable afterwards). */
  close(): Promise<void> {
    return this.#pool.close();
  }

  private async call<S extends TSchema>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    schema: S,
    query: Query | undefined,
    form: Query | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ data: Static<S>; total?: number }> {
    try {
      return await this.send(method, path, schema, query, form, signal);
    } catch (error) {
      throw this.#redactor.value(error);
    }
  }

  private async send<S extends TSchema>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    schema: S,
    query: Query | undefined,
    form: Query | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ data: Static<S>; total?: number }> {
    const site: RequestSite = { method, path, origin: this.origin };
    const search = encode(query);
    const body = form ? encode(form) : undefined;
    let response: Awaited<ReturnType<Pool['request']>>;
    let text: string;
    try {
      if (signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      response = await this.#pool.request({
        method,
        path: `/api2/json${path}${search ? `?${search}` : ''}`,
        headers: {
          authorization: this.#authorization,
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(body !== undefined ? { body } : {}),
        ...(signal ? { signal } : {}),
      });
      text = await readCapped(response.body);
    } catch (error) {
      throw apiTransportError(site, error, signal?.aborted === true);
    }
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (response.statusCode < 200 || response.statusCode > 299) throw apiHttpError(site, response.statusCode, response.statusText, json);
    if (!Value.Check(EnvelopeSchema, json))
      throw new UnrotError('E_API_RESPONSE', `Proxmox API ${method} ${path}: the answer is not a {data: …} JSON object`, {
        ...site,
        status: response.statusCode,
        body: text.slice(0, 500),
      });
    const envelope = json as { data: unknown; total?: number };
    if (!Value.Check(schema, envelope.data)) {
      const first = Value.Errors(schema, envelope.data).First();
      const at = first ? `${first.path || '/'}: ${first.message}` : 'unexpected shape';
      throw new UnrotError(
        'E_API_RESPONSE',
        `Proxmox API ${method} ${path}: unexpected answer (data${at.startsWith('/') ? '' : ' '}${at})`,
        {
          ...site,
          status: response.statusCode,
          field: first?.path ?? '',
          body: text.slice(0, 500),
        },
      );
    }
    return { data: envelope.data as Static<S>, ...(envelope.total !== undefined ? { total: envelope.total } : {}) };
  }
}

async function readCapped(body: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new UnrotError('E_API_RESPONSE', `Proxmox API answer larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
