import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_LIB, demoWheels, writeSimpleIndex } from '../../src/provision/py-index.js';
import { run } from '../../src/provision/run.js';
import { ensureServer, serverStatus, stopServer } from '../../src/provision/servers.js';
import { buildWheel, normalizeName, wheelFileName } from '../../src/provision/wheel.js';
import { envWithoutPip, tempDir } from './helpers.js';

// Real pip (the host's python3 -m venv) installs from the index served by the sandbox's server.
describe('wheels and the PEP 503 simple index', () => {
  let dir: string;
  let runDir: string;
  const port = Number(process.env['UNROT_TEST_PYPI_ONLY_PORT'] ?? 28432);

  beforeAll(async () => {
    dir = await tempDir('unrot-pypi-');
    runDir = join(dir, 'run');
    const projects = await writeSimpleIndex(join(dir, 'srv'), await demoWheels());
    expect(projects).toEqual([DEMO_LIB]);
    await ensureServer(runDir, join(dir, 'log'), 'pypi', join(dir, 'srv'), port);
  });

  afterAll(async () => {
    await stopServer(runDir, 'pypi');
    await rm(dir, { recursive: true, force: true });
  });

  it('names wheels as the binary distribution format says', () => {
    expect(normalizeName('Unrot_Demo.Lib')).toBe('unrot-demo-lib');
    expect(wheelFileName({ name: DEMO_LIB, version: '1.1.0' })).toBe('unrot_demo_lib-1.1.0-py3-none-any.whl');
  });

  it('builds byte-identical wheels from the same inputs', async () => {
    const [spec] = await demoWheels();
    expect(buildWheel(spec!).data.equals(buildWheel(spec!).data)).toBe(true);
  });

  it('links every wheel with its sha256 from the project page', async () => {
    const page = await readFile(join(dir, 'srv', 'simple', DEMO_LIB, 'index.html'), 'utf8');
    expect(page).toMatch(/href="\.\.\/\.\.\/packages\/unrot_demo_lib-1\.0\.0-py3-none-any\.whl#sha256=[0-9a-f]{64}"/);
    expect(page).toMatch(/unrot_demo_lib-1\.1\.0-py3-none-any\.whl#sha256=[0-9a-f]{64}/);
    expect(existsSync(join(dir, 'srv', 'packages', 'unrot_demo_lib-1.1.0-py3-none-any.whl'))).toBe(true);
  });

  it('pip installs 1.0.0 from it into a venv, sees 1.1.0 as outdated, then upgrades', async () => {
    const venv = join(dir, 'venv');
    await run(['python3', '-m', 'venv', venv]);
    const env = envWithoutPip();
    const pip = [join(venv, 'bin', 'python'), '-m', 'pip', '--disable-pip-version-check', '--no-cache-dir'];
    const index = ['--index-url', `http://127.0.0.1:${port}/simple/`];
    await run([...pip, 'install', ...index, `${DEMO_LIB}==1.0.0`], { env });
    const outdated = JSON.parse((await run([...pip, 'list', '--outdated', '--format=json', ...index], { env })).stdout) as Array<{
      name: string;
      version: string;
      latest_version: string;
    }>;
    expect(outdated.find((p) => p.name === DEMO_LIB)).toMatchObject({ version: '1.0.0', latest_version: '1.1.0' });
    await run([...pip, 'install', '--upgrade', ...index, DEMO_LIB], { env });
    const code = 'import unrot_demo_lib, importlib.metadata as m; print(unrot_demo_lib.__version__, m.version("unrot-demo-lib"))';
    expect((await run([join(venv, 'bin', 'python'), '-c', code], { env })).stdout.trim()).toBe('1.1.0 1.1.0');
    // pip verifies RECORD on uninstall: a broken RECORD would leave files behind.
    await run([...pip, 'uninstall', '-y', DEMO_LIB], { env });
    const left = await run([join(venv, 'bin', 'python'), '-c', 'import unrot_demo_lib'], { env, okExitCodes: [0, 1] });
    expect(left.exitCode).toBe(1);
  });

  it('records the server so it can be found and stopped by pid', async () => {
    const st = await serverStatus(runDir, 'pypi');
    expect(st).toMatchObject({ running: true, port });
    const res = await fetch(`http://127.0.0.1:${port}/simple/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`<a href="${DEMO_LIB}/">`);
  });
});
