import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';

/** Debian's interpreter, as in the containers (the host may have a pyenv python first on PATH). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/**
 * The environment pip runs in during tests: like the engine's for `pct exec` (PATH, HOME,
 * LANG=LC_ALL=C and nothing else), with a private HOME so the host's own pip configuration
 * (extra indexes, find-links) cannot leak in. /etc/pip.conf still applies, as in a container.
 */
export function cleanEnv(home: string): NodeJS.ProcessEnv {
  return { PATH: '/usr/bin:/bin', HOME: home, LANG: 'C', LC_ALL: 'C' };
}

/** Async on purpose: the index server runs in this same process and must keep answering. */
export function run(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const [file, ...args] = argv;
  return new Promise((resolve, reject) => {
    execFile(file as string, args, { env, encoding: 'utf8', maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${argv.join(' ')} failed (${error.code}): ${stderr}`));
      else resolve(stdout);
    });
  });
}

/** A real venv made by Debian's python3-venv, with its index set in <venv>/pip.conf (pip's "site" config). */
export async function makeVenv(path: string, indexUrl: string, env: NodeJS.ProcessEnv, install: readonly string[]): Promise<void> {
  await run([SYSTEM_PYTHON, '-m', 'venv', path], env);
  writeFileSync(`${path}/pip.conf`, `[global]\nindex-url = ${indexUrl}\n`);
  if (install.length > 0)
    await run([`${path}/bin/python`, '-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', ...install], env);
}

export async function installedVersions(venv: string, env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const list = JSON.parse(await run([`${venv}/bin/python`, '-m', 'pip', 'list', '--format=json', '--disable-pip-version-check'], env)) as {
    name: string;
    version: string;
  }[];
  return Object.fromEntries(list.map((p) => [p.name, p.version]));
}
