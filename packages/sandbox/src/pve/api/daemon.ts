/**
 * The sandbox's API server as a daemon beside the apt and pypi servers: started detached by
 * `unrot-sandbox up` (or `unrot-sandbox api start`), pid record R/run/servers/api.json, log
 * R/log/api.log, stopped by `down`. `R/api.json` tells unrot where to connect and what to trust.
 */
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SandboxPaths } from '../sandbox-root.js';
import { ensureNodeCerts } from './tls.js';
import { DEFAULT_TOKEN_ID, ensureDefaultToken, tokenSecretFile } from './tokens.js';

export const DEFAULT_API_PORT = 8006;

export interface ApiInfo {
  url: string;
  node: string;
  port: number;
  tokenid: string;
  /** File holding the token's secret (mode 0600). */
  secretFile: string;
  /** The CA that signed the node certificate (pve-root-ca.pem). */
  caPath: string;
  /** SHA-256 fingerprint of the node certificate, `AB:CD:…`. */
  fingerprint: string;
  /** An unrot secrets file (env format, 0600) holding the secret as UNROT_SANDBOX_API_TOKEN. */
  secretsEnvFile: string;
  /** global.yml lines (`secrets_files:` and `host:`) that point unrot at this API. */
  hostYml: string;
}

/** The secret's name in secretsEnvFile, as unrot's `token: { secret: … }` refers to it. */
export const API_TOKEN_SECRET_NAME = 'UNROT_SANDBOX_API_TOKEN';

interface PidRecord {
  name: 'api';
  pid: number;
  port: number;
}

export function apiPort(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['UNROT_SANDBOX_API_PORT'];
  const port = raw ? Number(raw) : DEFAULT_API_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`UNROT_SANDBOX_API_PORT must be a port number (got '${raw}')`);
  return port;
}

export const apiInfoFile = (paths: SandboxPaths) => join(paths.root, 'api.json');
const pidFile = (paths: SandboxPaths) => join(paths.root, 'run/servers/api.json');
/** The compiled entry point (from the sources, as under vitest, the package's dist). */
function mainScript(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, 'main.js');
  return existsSync(beside) ? beside : join(here, '../../../dist/pve/api/main.js');
}

/** Certificates, the default token and R/api.json: everything a client needs, made once. */
export async function prepareApi(paths: SandboxPaths, port: number): Promise<ApiInfo> {
  const certs = await ensureNodeCerts(paths);
  const token = ensureDefaultToken(paths);
  const secretsEnvFile = join(paths.root, 'etc/pve/priv/unrot-api-token.env');
  writeFileSync(secretsEnvFile, `${API_TOKEN_SECRET_NAME}=${token.secret}\n`, { mode: 0o600 });
  chmodSync(secretsEnvFile, 0o600);
  const url = `https://127.0.0.1:${port}`;
  const hostYml = join(paths.root, 'api-host.yml');
  const info: ApiInfo = {
    url,
    node: paths.node,
    port,
    tokenid: DEFAULT_TOKEN_ID,
    secretFile: tokenSecretFile(paths),
    caPath: certs.caPath,
    fingerprint: certs.fingerprint,
    secretsEnvFile,
    hostYml,
  };
  writeFileSync(
    hostYml,
    [
      "# For unrot's global.yml: use the sandbox's Proxmox API (written by unrot-sandbox; see docs/sandbox.md).",
      'secrets_files:',
      `  - ${secretsEnvFile}`,
      'host:',
      '  api: api',
      `  url: ${url}`,
      `  token_id: ${DEFAULT_TOKEN_ID}`,
      '  token:',
      `    secret: ${API_TOKEN_SECRET_NAME}`,
      `  ca_file: ${certs.caPath}`,
      '',
    ].join('\n'),
  );
  writeFileSync(apiInfoFile(paths), `${JSON.stringify(info, null, 2)}\n`);
  return info;
}

function readPid(paths: SandboxPaths): PidRecord | undefined {
  try {
    return JSON.parse(readFileSync(pidFile(paths), 'utf8')) as PidRecord;
  } catch {
    return undefined;
  }
}

/** Alive and still our server on that port (pids get reused). */
function isOurs(rec: PidRecord): boolean {
  try {
    const cmdline = readFileSync(`/proc/${rec.pid}/cmdline`, 'utf8').split('\0');
    return cmdline.some((a) => a.endsWith('pve/api/main.js')) && cmdline.includes(String(rec.port));
  } catch {
    return false;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/**
 * Starts the daemon unless it runs. With `skipIfPortTaken` (what `up` uses), a port already served
 * by something else (e.g. the default sandbox's API while a test sandbox comes up) is reported
 * through `log` and the API is left out instead of failing `up`; set UNROT_SANDBOX_API_PORT.
 */
export async function ensureApiServer(
  paths: SandboxPaths,
  opts: { env?: NodeJS.ProcessEnv; port?: number; skipIfPortTaken?: boolean; log?: (line: string) => void } = {},
): Promise<ApiInfo | undefined> {
  const env = opts.env ?? process.env;
  // `up` passes the port of its settings: a sandbox set up in-process (tests) has its own.
  const port = opts.port ?? apiPort(env);
  const info = await prepareApi(paths, port);
  const rec = readPid(paths);
  if (rec && rec.port === port && isOurs(rec)) return info;
  if (rec) await stopApiServer(paths);
  if (opts.skipIfPortTaken && (await portOpen(port))) {
    opts.log?.(`the API server is not started: 127.0.0.1:${port} is in use (set UNROT_SANDBOX_API_PORT)`);
    return undefined;
  }
  mkdirSync(dirname(pidFile(paths)), { recursive: true });
  mkdirSync(join(paths.root, 'log'), { recursive: true });
  const logFd = openSync(join(paths.root, 'log/api.log'), 'a');
  const child = spawn(process.execPath, [mainScript(), 'serve', '--port', String(port)], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: { ...env, UNROT_SANDBOX_ROOT: paths.root, UNROT_SANDBOX_NODE: paths.node },
  });
  closeSync(logFd);
  child.unref();
  if (child.pid === undefined) throw new Error('could not start the API server');
  const started: PidRecord = { name: 'api', pid: child.pid, port };
  writeFileSync(pidFile(paths), `${JSON.stringify(started)}\n`);
  for (let i = 0; i < 100; i++) {
    if (await portOpen(port)) return info;
    if (!isOurs(started)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stopApiServer(paths);
  throw new Error(`the API server did not come up on 127.0.0.1:${port} (port in use? see ${join(paths.root, 'log/api.log')})`);
}

export async function stopApiServer(paths: SandboxPaths): Promise<boolean> {
  const rec = readPid(paths);
  if (!rec) return false;
  let stopped = false;
  if (isOurs(rec)) {
    process.kill(rec.pid, 'SIGTERM');
    for (let i = 0; i < 50 && isOurs(rec); i++) await new Promise((r) => setTimeout(r, 100));
    if (isOurs(rec)) process.kill(rec.pid, 'SIGKILL');
    stopped = true;
  }
  if (existsSync(pidFile(paths))) rmSync(pidFile(paths), { force: true });
  return stopped;
}

export function apiServerRunning(paths: SandboxPaths): { running: boolean; port?: number; pid?: number } {
  const rec = readPid(paths);
  return rec ? { running: isOurs(rec), port: rec.port, pid: rec.pid } : { running: false };
}
