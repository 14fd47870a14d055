/**
 * API tokens of the sandbox and their ACLs. Proxmox keeps token secrets in /etc/pve/priv/token.cfg
 * and ACLs in /etc/pve/user.cfg (roles → privileges per path, `propagate` to sub-paths); the
 * sandbox keeps the same facts in one file, R/etc/pve/priv/api-tokens.json, with privileges
 * listed directly (no roles), so a drill can give a token exactly the privileges it wants.
 * A token acts with its own ACL only (a privilege-separated token of a user that may do all).
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxPaths } from '../sandbox-root.js';

export interface AclEntry {
  path: string;
  privs: string[];
  /** Applies to sub-paths too (Proxmox's default for new ACLs). */
  propagate: boolean;
}

export interface ApiToken {
  /** `user@realm!name` */
  tokenid: string;
  secret: string;
  /** Seconds since the epoch; 0 = never. */
  expire: number;
  acl: AclEntry[];
}

/** Everything unrot's API host uses (docs/host-adapter.md lists which call needs which). */
export const UNROT_PRIVILEGES = [
  'VM.Audit',
  'VM.Snapshot',
  'VM.Snapshot.Rollback',
  'VM.Backup',
  'VM.Allocate',
  'VM.PowerMgmt',
  'Datastore.Audit',
  'Datastore.AllocateSpace',
  'Sys.Audit',
];

export const DEFAULT_TOKEN_ID = 'unrot@pve!unrot';

const TOKENID_RE = /^([^\s:!@]+@[A-Za-z][A-Za-z0-9.\-_]+)!([A-Za-z][A-Za-z0-9.\-_]+)$/;

export function tokensFile(paths: SandboxPaths): string {
  return join(paths.root, 'etc/pve/priv/api-tokens.json');
}

/** Where the default token's secret is written for unrot's `secret: {file: …}`. */
export function tokenSecretFile(paths: SandboxPaths, tokenid = DEFAULT_TOKEN_ID): string {
  return join(paths.root, 'etc/pve/priv', `${tokenid.replace(/[^A-Za-z0-9.-]/g, '_')}.secret`);
}

export function loadTokens(paths: SandboxPaths): ApiToken[] {
  try {
    const parsed = JSON.parse(readFileSync(tokensFile(paths), 'utf8')) as { tokens?: unknown };
    return Array.isArray(parsed.tokens) ? (parsed.tokens as ApiToken[]) : [];
  } catch {
    return [];
  }
}

function saveTokens(paths: SandboxPaths, tokens: ApiToken[]): void {
  const file = tokensFile(paths);
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp.${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ tokens }, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/**
 * Creates or replaces a token. The secret is kept when the token exists and none is given;
 * it is also written alone to tokenSecretFile (mode 0600). Returns the stored token.
 */
export function setToken(
  paths: SandboxPaths,
  opts: { tokenid?: string; secret?: string; acl?: AclEntry[]; expire?: number } = {},
): ApiToken {
  const tokenid = opts.tokenid ?? DEFAULT_TOKEN_ID;
  if (!TOKENID_RE.test(tokenid)) throw new Error(`invalid token id '${tokenid}' (want user@realm!name)`);
  const tokens = loadTokens(paths);
  const old = tokens.find((t) => t.tokenid === tokenid);
  const token: ApiToken = {
    tokenid,
    secret: opts.secret ?? old?.secret ?? randomUUID(),
    expire: opts.expire ?? old?.expire ?? 0,
    acl: opts.acl ?? old?.acl ?? [{ path: '/', privs: UNROT_PRIVILEGES, propagate: true }],
  };
  saveTokens(paths, [...tokens.filter((t) => t.tokenid !== tokenid), token]);
  const secretFile = tokenSecretFile(paths, tokenid);
  writeFileSync(secretFile, `${token.secret}\n`, { mode: 0o600 });
  chmodSync(secretFile, 0o600);
  return token;
}

/** The default token with every privilege unrot needs, made once per sandbox. */
export function ensureDefaultToken(paths: SandboxPaths): ApiToken {
  const existing = loadTokens(paths).find((t) => t.tokenid === DEFAULT_TOKEN_ID);
  if (existing && existsSync(tokenSecretFile(paths))) return existing;
  return setToken(paths, {});
}

/**
 * The `Authorization` value → the token, or the reason Proxmox gives (verify_token):
 * pveproxy answers `401 <reason>` with an empty body.
 */
export function verifyToken(tokens: ApiToken[], header: string | undefined): { token: ApiToken } | { error: string } {
  // PVE::APIServer::Formatter::extract_auth_value: `PVEAPIToken=<tokenid>=<secret>`.
  const m = header ? /^PVEAPIToken=(.*)$/.exec(header.trim()) : null;
  if (!m) return { error: 'No ticket' };
  const eq = m[1]!.lastIndexOf('=');
  if (eq < 0) return { error: 'no tokenid specified' };
  const tokenid = m[1]!.slice(0, eq);
  const value = m[1]!.slice(eq + 1);
  const parts = TOKENID_RE.exec(tokenid);
  if (!parts) return { error: `invalid token name '${tokenid}'` };
  const token = tokens.find((t) => t.tokenid === tokenid);
  if (!token) return { error: `no such token '${parts[2]}' for user '${parts[1]}'` };
  if (token.expire && token.expire < Date.now() / 1000) return { error: 'token expired' };
  const a = Buffer.from(value);
  const b = Buffer.from(token.secret);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return { error: 'invalid token value!' };
  return { token };
}

/** Ancestors of an ACL path, root first: /vms/101 → /, /vms, /vms/101. */
function ancestors(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return ['/', ...parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`)];
}

/**
 * The privileges a token has on `path` (RPCEnvironment permissions): the most specific ACL
 * entry on the path or an ancestor wins; an ancestor's entry counts only with `propagate`.
 */
export function privilegesOn(token: ApiToken, path: string): Set<string> {
  let privs = new Set<string>();
  for (const p of ancestors(path)) {
    const entry = token.acl.find((e) => e.path === p);
    if (entry && (entry.propagate || p === path)) privs = new Set(entry.privs);
  }
  return privs;
}

/** Every path the ACL names, with its effective privileges (GET /access/permissions). */
export function permissionTree(token: ApiToken): Record<string, Record<string, 1>> {
  const out: Record<string, Record<string, 1>> = {};
  for (const e of token.acl) out[e.path] = Object.fromEntries([...privilegesOn(token, e.path)].sort().map((p) => [p, 1 as const]));
  return out;
}
