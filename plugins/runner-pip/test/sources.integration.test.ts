/**
 * sources() against real pip: Debian 12's /usr/bin/python3 (pip 23.0.1), real venvs in a temp dir
 * with their own pip.conf, PIP_* environment variables, the system interpreter, and Debian 12's
 * pipx 1.1.0. The last block makes pip fetch (runner.check) through a local recording proxy to
 * show the endpoint is where pip really connects. No network: indexes are on 127.0.0.1.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { type Logger, type RunnerContext, silentLogger } from '@unrot/sdk';
import { contractContainer, createLocalExec } from '@unrot/sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import runner, { type PipOptions } from '../src/index.js';
import { parsePipConfigList, parsePythonStr, pipCommandSources } from '../src/pip-config.js';
import { type IndexServer, startIndexServer } from './helpers/index-server.js';
import { provisionPipx } from './helpers/pipx.js';
import { cleanEnv, makeVenv, run, SYSTEM_PYTHON } from './helpers/python-env.js';
import { buildWheel } from './helpers/wheel.js';

const base = mkdtempSync(join(tmpdir(), 'unrot-runner-pip-sources-'));
const env = cleanEnv(join(base, 'home'));
let index: IndexServer;
let indexPort = 0;
const venv = join(base, 'app', 'venv');

beforeAll(async () => {
  mkdirSync(join(base, 'home'), { recursive: true });
  index = await startIndexServer([buildWheel('unrot-demo-lib', '1.0.0'), buildWheel('unrot-demo-lib', '1.1.0')]);
  indexPort = Number(new URL(index.url).port);
  await makeVenv(venv, index.url, env, ['unrot-demo-lib==1.0.0']);
});
afterAll(async () => {
  await index?.close();
  rmSync(base, { recursive: true, force: true });
});

function sourcesWith(options: Partial<PipOptions>, extraEnv: NodeJS.ProcessEnv = {}) {
  const exec = createLocalExec({ env: { ...env, ...extraEnv } });
  const warnings: string[] = [];
  const log: Logger = { ...silentLogger, warn: (obj, msg) => warnings.push(typeof obj === 'string' ? obj : (msg ?? '')) };
  const ctx: RunnerContext<PipOptions> = {
    exec,
    log,
    signal: new AbortController().signal,
    options: Value.Default(runner.optionsSchema, structuredClone(options)) as PipOptions,
    container: contractContainer(),
    exclusions: [],
  };
  return { exec, warnings, sources: () => runner.sources?.(ctx) ?? Promise.resolve([]) };
}

const PY = `${venv}/bin/python -m pip config list`;
const hostPorts = (endpoints: { host: string; port: number }[]) => endpoints.map((e) => `${e.host} ${e.port}`);

describe('pip indexes from real pip config list', () => {
  it("a venv's own pip.conf index-url (the site config), read read-only with the venv's python", async () => {
    const { exec, sources } = sourcesWith({ venvs: [venv] });
    expect(await sources()).toEqual([{ host: '127.0.0.1', port: indexPort, origin: `index-url ${index.url} (global.index-url, ${PY})` }]);
    expect(exec.records.map((r) => [r.kind, ...r.argv])).toEqual([
      ['read', `${venv}/bin/python`, '-m', 'pip', 'config', 'list', '--disable-pip-version-check'],
    ]);
  });

  it('PIP_INDEX_URL and PIP_EXTRA_INDEX_URL override the files; IPv6 literals and explicit ports', async () => {
    const { sources } = sourcesWith(
      { venvs: [venv] },
      {
        PIP_INDEX_URL: 'https://pypi.internal.example:8443/simple',
        PIP_EXTRA_INDEX_URL: 'http://[fd00::5]/simple https://extra.example/simple',
      },
    );
    const endpoints = await sources();
    expect(hostPorts(endpoints)).toEqual(['pypi.internal.example 8443', 'fd00::5 80', 'extra.example 443']);
    expect(endpoints[0]?.origin).toBe(`index-url https://pypi.internal.example:8443/simple (:env:.index-url (PIP_INDEX_URL), ${PY})`);
  });

  it("no configuration at all: pip's default index pypi.org, and files.pythonhosted.org where its files are", async () => {
    // PIP_CONFIG_FILE=/dev/null makes pip load no configuration file (the machine's /etc/pip.conf included).
    const { exec, sources } = sourcesWith({ system: true }, { PIP_CONFIG_FILE: '/dev/null' });
    const py = `${SYSTEM_PYTHON.replace('/usr/bin/', '')} -m pip config list`;
    expect(await sources()).toEqual([
      { host: 'pypi.org', port: 443, origin: `index-url https://pypi.org/simple (pip's default, ${py})` },
      {
        host: 'files.pythonhosted.org',
        port: 443,
        origin: `files.pythonhosted.org, where https://pypi.org/simple serves its files (pip's default, ${py})`,
      },
    ]);
    expect(exec.records.map((r) => r.argv[0])).toEqual(['python3']);
  });

  it('[install] overrides [global] for install only, so both indexes count; extra-index-url on several lines; find-links URLs', async () => {
    const dir = join(base, 'sections', 'venv');
    await makeVenv(dir, index.url, env, []);
    writeFileSync(
      join(dir, 'pip.conf'),
      [
        '[global]',
        `index-url = ${index.url}`,
        'extra-index-url =',
        '    https://extra-a.example/simple',
        '    https://extra-b.example:4443/simple',
        '[install]',
        'index-url = https://install-only.example/simple',
        'find-links = /srv/wheels https://links.example/wheels/',
        '',
      ].join('\n'),
    );
    const { sources } = sourcesWith({ venvs: [dir] });
    expect(hostPorts(await sources())).toEqual([
      `127.0.0.1 ${indexPort}`,
      'extra-a.example 443',
      'extra-b.example 4443',
      'install-only.example 443',
      'links.example 443',
    ]);
  });

  it('a proxy in pip.conf is the endpoint instead, credentials hidden; no-index leaves only find-links', async () => {
    const dir = join(base, 'proxy', 'venv');
    await makeVenv(dir, index.url, env, []);
    writeFileSync(join(dir, 'pip.conf'), '[global]\nproxy = unrot:s3cret@proxy.lan:3128\n');
    const proxied = await sourcesWith({ venvs: [dir] }).sources();
    expect(proxied).toEqual([
      {
        host: 'proxy.lan',
        port: 3128,
        origin: `proxy http://***@proxy.lan:3128 (global.proxy, ${dir}/bin/python -m pip config list), for index-url https://pypi.org/simple (pip's default, ${dir}/bin/python -m pip config list)`,
      },
    ]);
    expect(JSON.stringify(proxied)).not.toContain('s3cret');
    const { sources } = sourcesWith({ venvs: [venv] }, { PIP_NO_INDEX: '1', PIP_FIND_LINKS: '/srv/wheels http://wheels.lan/' });
    expect(hostPorts(await sources())).toEqual(['wheels.lan 80']);
  });

  it('several venvs on one index give one endpoint; a venv without pip is warned about, not guessed', async () => {
    const nopip = join(base, 'nopip', 'venv');
    await run([SYSTEM_PYTHON, '-m', 'venv', '--without-pip', nopip], env);
    const { warnings, sources } = sourcesWith({ venvs: [venv, join(base, 'sections', 'venv'), nopip] });
    const endpoints = await sources();
    expect(endpoints.filter((e) => e.port === indexPort)).toHaveLength(1);
    expect(warnings).toEqual([`pip sources: ${nopip}/bin/python -m pip config list failed; its index is not checked`]);
  });

  it('an index URL that is no plain host is warned about and not returned', async () => {
    const { warnings, sources } = sourcesWith({ venvs: [venv] }, { PIP_INDEX_URL: 'http://$(reboot)/simple' });
    expect(await sources()).toEqual([]);
    expect(warnings).toEqual([
      `not checked: index-url http://$(reboot)/simple (:env:.index-url (PIP_INDEX_URL), ${PY}) names no plain host name or address`,
    ]);
  });
});

describe.sequential('pipx apps (Debian 12 pipx 1.1.0)', () => {
  it("each app's venv is asked, as check asks it", async () => {
    const bin = await provisionPipx(join(tmpdir(), 'unrot-runner-pip-debs'));
    const pipxEnv = {
      PATH: `${bin}:/usr/bin:/bin`,
      PIPX_HOME: join(base, 'pipx'),
      PIPX_BIN_DIR: join(base, 'pipx-bin'),
      PIP_INDEX_URL: index.url,
    };
    index.publish(buildWheel('unrot-demo-tool', '1.0.0', { consoleScript: 'unrot-demo-tool' }));
    await run(['pipx', 'install', 'unrot-demo-tool==1.0.0'], { ...env, ...pipxEnv });
    const { exec, sources } = sourcesWith({ pipx: true }, pipxEnv);
    const py = `${join(base, 'pipx', 'venvs', 'unrot-demo-tool')}/bin/python -m pip config list`;
    expect(await sources()).toEqual([
      { host: '127.0.0.1', port: indexPort, origin: `index-url ${index.url} (:env:.index-url (PIP_INDEX_URL), ${py})` },
    ]);
    expect(exec.records.map((r) => r.argv.slice(0, 3))).toEqual([
      ['pipx', '--version'],
      ['pipx', 'environment', '--value'],
      ['pipx', 'list', '--json'],
      [`${join(base, 'pipx', 'venvs', 'unrot-demo-tool')}/bin/python`, '-m', 'pip'],
    ]);
  }, 180_000);
});

describe('pip really connects where sources() says', () => {
  it('through the proxy pip.conf names (runner.check fetching via a recording proxy)', async () => {
    const requests: string[] = [];
    const proxy: Server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const port = (proxy.address() as AddressInfo).port;
      const dir = join(base, 'oracle', 'venv');
      await makeVenv(dir, index.url, env, ['unrot-demo-lib==1.0.0']);
      writeFileSync(
        join(dir, 'pip.conf'),
        // pip ignores a plain-http index unless it is a trusted host.
        `[global]\nindex-url = http://pypi.unrot.invalid/simple/\ntrusted-host = pypi.unrot.invalid\nproxy = http://127.0.0.1:${port}\nretries = 0\n`,
      );
      const { sources } = sourcesWith({ venvs: [dir] });
      expect(hostPorts(await sources())).toEqual([`127.0.0.1 ${port}`]);
      const ctx = {
        exec: createLocalExec({ env }),
        log: silentLogger,
        signal: new AbortController().signal,
        options: Value.Default(runner.optionsSchema, { venvs: [dir] }) as PipOptions,
        container: contractContainer(),
        exclusions: [],
      };
      await runner.check(ctx).catch(() => undefined);
      expect(requests).toContain('GET http://pypi.unrot.invalid/simple/unrot-demo-lib/');
    } finally {
      proxy.close();
    }
  });
});

describe('parsing pip config list', () => {
  it('Python str reprs, as pip prints them with %r (multi-line values, quotes, escapes)', () => {
    expect(parsePythonStr("'\\nhttps://a.example/simple\\nhttp://[::1]:8080/simple'")).toBe(
      '\nhttps://a.example/simple\nhttp://[::1]:8080/simple',
    );
    expect(parsePythonStr(`"it's"`)).toBe("it's");
    expect(parsePythonStr("'a\\\\b\\x41'")).toBe('a\\bA');
    expect(parsePythonStr('unquoted')).toBeUndefined();
  });

  it("pip's precedence: environment over the command's section over [global]", () => {
    const values = parsePipConfigList(
      [
        "global.index-url='https://g.example/simple'",
        "install.index-url='https://i.example/simple'",
        ":env:.extra-index-url='https://e.example/simple'",
      ].join('\n'),
    );
    expect(pipCommandSources(values, 'list').urls.map((u) => [u.url, u.where])).toEqual([
      ['https://g.example/simple', 'global.index-url'],
      ['https://e.example/simple', ':env:.extra-index-url (PIP_EXTRA_INDEX_URL)'],
    ]);
    expect(pipCommandSources(values, 'install').urls[0]).toEqual({
      key: 'index-url',
      url: 'https://i.example/simple',
      where: 'install.index-url',
    });
  });
});
