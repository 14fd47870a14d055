/**
 * `unrot-sandbox api …`:
 *   serve [--port N]      run the API server in the foreground (what the daemon runs)
 *   start | stop | status the daemon (up/down do this too)
 *   token [TOKENID] [--privs A,B,…] [--path /] [--secret S] [--no-propagate]
 *                         create or change a token and its ACL; prints the secret file
 *   info                  R/api.json (url, CA, fingerprint, token id, secret file)
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sandboxPaths } from '../sandbox-root.js';
import { apiInfoFile, apiPort, apiServerRunning, ensureApiServer, prepareApi, stopApiServer } from './daemon.js';
import { SandboxBackend } from './sandbox-backend.js';
import { startApiServer } from './server.js';
import { certPaths } from './tls.js';
import { DEFAULT_TOKEN_ID, loadTokens, setToken, tokenSecretFile, UNROT_PRIVILEGES } from './tokens.js';

export const API_USAGE = `usage: unrot-sandbox api serve [--port N] | start | stop | status | info
       unrot-sandbox api token [TOKENID] [--privs A,B,...] [--path /] [--secret S] [--no-propagate]
`;

function opt(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function main(args: readonly string[]): Promise<number> {
  const [cmd, ...rest] = args;
  const paths = sandboxPaths();
  // Never make certificates or tokens in a directory that is not a sandbox (a wrong or unset root).
  if (cmd !== 'stop' && cmd !== 'status' && !existsSync(paths.storageCfg)) {
    process.stderr.write(`unrot-sandbox api: ${paths.root} is not a sandbox (no ${paths.storageCfg}); run unrot-sandbox up first\n`);
    return 1;
  }
  if (cmd === 'serve') {
    const port = opt(rest, '--port') !== undefined ? Number(opt(rest, '--port')) : apiPort();
    await prepareApi(paths, port);
    const certs = certPaths(paths);
    const server = await startApiServer({
      backend: new SandboxBackend(paths),
      tokens: () => loadTokens(paths),
      certPath: certs.certPath,
      keyPath: certs.keyPath,
      taskLogDir: join(paths.root, 'var/log/pve/tasks'),
      port,
      ...(process.env['UNROT_SANDBOX_API_AUTH_DELAY_MS'] !== undefined
        ? { authFailDelayMs: Number(process.env['UNROT_SANDBOX_API_AUTH_DELAY_MS']) }
        : {}),
    });
    process.stderr.write(`unrot-sandbox api: listening on https://127.0.0.1:${server.port} (node ${paths.node})\n`);
    await new Promise<void>((resolve) => {
      for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => resolve());
    });
    await server.close();
    return 0;
  }
  if (cmd === 'start') {
    process.stdout.write(`${JSON.stringify(await ensureApiServer(paths))}\n`);
    return 0;
  }
  if (cmd === 'stop') {
    process.stdout.write((await stopApiServer(paths)) ? 'stopped\n' : 'not running\n');
    return 0;
  }
  if (cmd === 'status') {
    process.stdout.write(`${JSON.stringify(apiServerRunning(paths))}\n`);
    return 0;
  }
  if (cmd === 'info') {
    process.stdout.write(`${JSON.stringify(await prepareApi(paths, apiPort()))}\n`);
    process.stderr.write(`(${apiInfoFile(paths)})\n`);
    return 0;
  }
  if (cmd === 'token') {
    const tokenid = rest[0] && !rest[0].startsWith('--') ? rest[0] : DEFAULT_TOKEN_ID;
    const privs = opt(rest, '--privs');
    const secret = opt(rest, '--secret');
    const token = setToken(paths, {
      tokenid,
      ...(secret !== undefined ? { secret } : {}),
      acl: [
        {
          path: opt(rest, '--path') ?? '/',
          privs: privs !== undefined ? privs.split(',').filter(Boolean) : UNROT_PRIVILEGES,
          propagate: !rest.includes('--no-propagate'),
        },
      ],
    });
    process.stdout.write(`${token.tokenid} ${tokenSecretFile(paths, token.tokenid)}\n`);
    return 0;
  }
  process.stderr.write(API_USAGE);
  return 2;
}

// Run directly by the daemon: `node dist/pve/api/main.js serve --port N`.
if (process.argv[1]?.endsWith('pve/api/main.js')) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`unrot-sandbox api: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
