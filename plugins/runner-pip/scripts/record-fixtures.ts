// The scenarios of test/fixtures/contract-scenarios.json, recorded by the SDK's recorder
// (@unrot/sdk/testing createRecorder) against real pip: Debian 12's /usr/bin/python3 with venvs
// made by python3-venv under /tmp/unrot-runner-pip-capture, a PEP 503 index on 127.0.0.1 serving
// wheels built here (test/helpers), and Debian 12's pipx (unpacked, nothing installed). Each
// scenario runs detect → sources → check → plan → apply → check again; the scenarios run in
// order on the same venv, each starting from the state the previous one left.
//   npx tsc -p packages/sdk && npx vitest run --config plugins/runner-pip/scripts/record.config.ts
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import type { Runner } from '@unrot/sdk';
import { createLocalExec, createRecorder, type RecorderTarget, type ScenarioToRecord } from '@unrot/sdk/testing';
import { it } from 'vitest';
import pipRunner from '../src/index.js';
import { startIndexServer } from '../test/helpers/index-server.js';
import { provisionPipx } from '../test/helpers/pipx.js';
import { cleanEnv, makeVenv, run, SYSTEM_PYTHON } from '../test/helpers/python-env.js';
import { buildWheel } from '../test/helpers/wheel.js';

const base = '/tmp/unrot-runner-pip-capture';
const venv = join(base, 'app', 'venv');
const env = cleanEnv(join(base, 'home'));
const ENOENT = '; the missing program was reported by createLocalExec as exit 127 (spawn ENOENT), as pct exec reports it';

it('records the contract scenarios of runner-pip against real pip', async () => {
  rmSync(base, { recursive: true, force: true });
  mkdirSync(join(base, 'home'), { recursive: true });
  const index = await startIndexServer([
    buildWheel('unrot-demo-lib', '1.0.0'),
    buildWheel('unrot-demo-lib', '1.1.0'),
    buildWheel('unrot-pinned-lib', '1.0'),
    buildWheel('unrot-pinned-lib', '2.0'),
  ]);
  try {
    await makeVenv(venv, index.url, env, ['unrot-demo-lib==1.0.0', 'unrot-pinned-lib==1.0']);
    writeFileSync(join(base, 'app', 'constraints.txt'), 'unrot-pinned-lib<2\n');
    const where = `this machine (Debian 12, ${SYSTEM_PYTHON}), venvs under ${base}, a PEP 503 index on 127.0.0.1 serving wheels built by the script`;
    const target = (python: string, execEnv = env, note = ''): RecorderTarget => ({
      exec: createLocalExec({ env: execEnv }),
      where: `${where}${note}`,
      toolVersion: [python, '-m', 'pip', '--version'],
    });
    const recorder = createRecorder(pipRunner as unknown as Runner<TSchema>, {
      target: target(`${venv}/bin/python`),
      // Under vitest, process.argv names its worker, not the command that recorded.
      command: ['npx', 'vitest', 'run', '--config', 'plugins/runner-pip/scripts/record.config.ts'],
    });
    const record = (scenario: ScenarioToRecord, on?: RecorderTarget) => recorder.record({ exclusions: [], ...scenario }, on);

    await record({
      name: 'a configured venv that does not exist: not applicable',
      how: `detect on a path with no venv${ENOENT}`,
      options: { venvs: [join(base, 'gone', 'venv')] },
      expect: { applicable: false },
    });
    await record({
      name: 'excluded package and a major upgrade withheld',
      how: 'check with exclusions [unrot-demo-*]; unrot-demo-lib 1.0.0 (1.1.0 on the index) and unrot-pinned-lib 1.0 (2.0) installed',
      options: { venvs: [venv] },
      exclusions: ['unrot-demo-*'],
      expect: { applicable: true, updates: 0, withheld: ['unrot-demo-lib', 'unrot-pinned-lib'] },
    });
    await record({
      name: 'a failing check: the constraints file is missing',
      how: 'check with constraints pointing at a missing file',
      options: { venvs: [venv], constraints: join(base, 'app', 'missing-constraints.txt') },
      expect: { applicable: true, checkErrorCode: 'E_EXEC_FAILED' },
    });
    await record({
      name: 'updates pending under a constraints pin (check, plan, apply)',
      how: 'check/plan/apply with allow_major and constraints unrot-pinned-lib<2',
      options: { venvs: [venv], constraints: join(base, 'app', 'constraints.txt'), allow_major: true },
      expect: { applicable: true, updates: 1, withheld: ['unrot-pinned-lib'] },
    });
    await record({
      name: 'a major upgrade allowed (allow_major: true)',
      how: 'check/plan/apply with allow_major, after the previous scenario (unrot-pinned-lib 1.0 → 2.0)',
      options: { venvs: [venv], allow_major: true },
      expect: { applicable: true, updates: 1, withheld: [] },
    });
    await record({
      name: 'nothing pending after the upgrade',
      how: 'check after the previous scenario',
      options: { venvs: [venv], allow_major: true },
      expect: { applicable: true, updates: 0, withheld: [] },
    });
    const port = Number(new URL(index.url).port);
    await record({
      name: "pre-flight: the index in the venv's pip.conf, then nothing pending",
      how: 'detect, sources, check with the venv of the previous scenarios (everything current); <venv>/pip.conf names the local index',
      options: { venvs: [venv], allow_major: true },
      expect: {
        applicable: true,
        updates: 0,
        withheld: [],
        sources: [{ host: '127.0.0.1', port, origin: `index-url ${index.url} (global.index-url, ${venv}/bin/python -m pip config list)` }],
      },
    });

    const proxied = join(base, 'proxied', 'venv');
    await makeVenv(proxied, index.url, env, ['unrot-demo-lib==1.0.0']);
    // Port 9 (discard) is closed: every request through the proxy is refused. With retries = 0 pip
    // prints no "Retrying" warning at all and reports [] (exit 0); retries = 1 keeps it fast.
    writeFileSync(join(proxied, 'pip.conf'), `[global]\nindex-url = ${index.url}\nproxy = http://unrot:s3cret@127.0.0.1:9\nretries = 1\n`);
    const py = `${proxied}/bin/python -m pip config list`;
    await record(
      {
        name: 'pre-flight: a proxy with credentials in pip.conf (redacted), then check fails as the proxy refuses',
        how: 'detect, sources, check on a second venv whose pip.conf adds proxy = http://unrot:s3cret@127.0.0.1:9 (closed port) and retries = 1',
        options: { venvs: [proxied] },
        expect: {
          applicable: true,
          checkErrorCode: 'E_EXEC_FAILED',
          sources: [
            {
              host: '127.0.0.1',
              port: 9,
              origin: `proxy http://***@127.0.0.1:9 (global.proxy, ${py}), for index-url ${index.url} (global.index-url, ${py})`,
            },
          ],
        },
      },
      target(`${proxied}/bin/python`),
    );

    index.publish(buildWheel('unrot-app-lib', '1.0'));
    index.publish(buildWheel('unrot-base-lib', '1.0'));
    await run(
      [
        `${venv}/bin/python`,
        '-m',
        'pip',
        'install',
        '--disable-pip-version-check',
        '--no-input',
        'unrot-app-lib==1.0',
        'unrot-base-lib==1.0',
      ],
      env,
    );
    index.publish(buildWheel('unrot-app-lib', '1.1', { requires: ['unrot-base-lib>=1.1', 'unrot-new-dep'] }));
    index.publish(buildWheel('unrot-base-lib', '1.1'));
    index.publish(buildWheel('unrot-new-dep', '1.0'));
    await record({
      name: 'an update that pulls in a new dependency (check, plan, apply)',
      how: 'check/plan/apply where unrot-app-lib 1.1 requires unrot-base-lib>=1.1 and the new unrot-new-dep',
      options: { venvs: [venv] },
      expect: { applicable: true, updates: 3, withheld: [] },
    });
    await record(
      {
        name: 'a failing check: the package index is unreachable (pip exits 0, prints [])',
        how: 'check with PIP_INDEX_URL=http://127.0.0.1:9/simple/ PIP_RETRIES=1 in the environment',
        options: { venvs: [venv] },
        expect: { applicable: true, checkErrorCode: 'E_EXEC_FAILED' },
      },
      target(
        `${venv}/bin/python`,
        { ...env, PIP_INDEX_URL: 'http://127.0.0.1:9/simple/', PIP_RETRIES: '1' },
        ' (PIP_INDEX_URL on a closed port)',
      ),
    );

    // distro 1.8.0 is a Debian package (python3-distro) in the system site-packages.
    index.publish(buildWheel('distro', '1.9.0'));
    await record(
      {
        name: 'system Python marked EXTERNALLY-MANAGED (PEP 668): withheld, never attempted',
        how: 'check with system: true, PIP_INDEX_URL=<the local index> in the environment (in a container it comes from pip.conf)',
        options: { system: true },
        expect: { applicable: true, updates: 0, withheld: ['distro'] },
      },
      target(SYSTEM_PYTHON, { ...env, PIP_INDEX_URL: index.url }, ', PIP_INDEX_URL = the local index'),
    );

    await record({
      name: 'pipx: true but no pipx in the container: not applicable',
      how: `detect with pipx: true and no pipx on PATH${ENOENT}`,
      options: { pipx: true },
      expect: { applicable: false },
    });
    // Cached across runs: the .debs are only fetched once per machine.
    const bin = await provisionPipx(join(tmpdir(), 'unrot-runner-pip-debs'));
    const pipxEnv = {
      ...env,
      PATH: `${bin}:/usr/bin:/bin`,
      PIPX_HOME: join(base, 'pipx'),
      PIPX_BIN_DIR: join(base, 'pipx-bin'),
      PIP_INDEX_URL: index.url,
    };
    index.publish(buildWheel('unrot-demo-tool', '1.0.0', { consoleScript: 'unrot-demo-tool' }));
    await run(['pipx', 'install', 'unrot-demo-tool==1.0.0'], pipxEnv);
    index.publish(buildWheel('unrot-demo-tool', '1.1.0', { consoleScript: 'unrot-demo-tool' }));
    await record(
      {
        name: 'a pipx app with an update pending (check, plan, apply)',
        how: 'check/plan/apply with pipx: true, PIP_INDEX_URL=<the local index>, PIPX_HOME and PIPX_BIN_DIR in the environment; pipx 1.1.0 (Debian 12 .deb, unpacked with dpkg -x)',
        options: { pipx: true },
        expect: { applicable: true, updates: 1, withheld: [] },
      },
      { exec: createLocalExec({ env: pipxEnv }), where: `${where}, Debian 12's pipx on PATH`, toolVersion: ['pipx', '--version'] },
    );
    recorder.write(new URL('../test/fixtures/contract-scenarios.json', import.meta.url));
  } finally {
    await index.close();
  }
});
