import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';
import { ApiHost } from '../../../src/host/api/api-host.js';
import { configuredHostSpec } from '../../../src/host/api/host-choice.js';
import { hostDoctor } from '../../../src/host/api/host-doctor.js';
import { processRedactor } from '../../../src/secrets/process-redactor.js';
import { hostFor } from '../../../src/workers/container-worker.js';
import { configDir, configError } from '../../config/helpers.js';
import { type FakePveApi, makePki, ok, on, startFakePveApi, type TestPki } from './fake-pve-api.js';
import { fakeNode } from './pve-node-routes.js';

const SECRET = '0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9';
const NO_DEFAULT_CA = '/nonexistent/pve-root-ca.pem';

/** A config dir with a 0600 secrets file holding PVE_TOKEN and the CA, and `host:` as given. */
async function withHost(host: string, extra = ''): Promise<{ dir: string; caFile: string }> {
  const dir = await configDir({});
  const secrets = join(dir, 'secrets.env');
  await writeFile(secrets, `PVE_TOKEN=${SECRET}\n`);
  await chmod(secrets, 0o600);
  const caFile = join(dir, 'pve-root-ca.pem');
  await writeFile(caFile, pki.caPem);
  await writeFile(join(dir, 'global.yml'), `node: pve\nsecrets_files: [${secrets}]\n${host.replaceAll('CA_FILE', caFile)}\n${extra}`);
  return { dir, caFile };
}

let pki: TestPki;
let api: FakePveApi;
beforeAll(async () => {
  pki = makePki();
  api = await startFakePveApi(pki, `unrot@pve!unrot=${SECRET}`);
});
afterAll(() => api.close());

describe('global.yml host: → the host spec', () => {
  it('no host: or no token → the pct CLI (auto); api: cli keeps the CLI even with a token', async () => {
    expect((await configuredHostSpec(await loadConfig(await configDir({ 'global.yml': 'node: pve\n' })))).kind).toBe('pct');
    const { dir } = await withHost('host:\n  api: cli\n  token_id: unrot@pve!unrot\n  token: { secret: PVE_TOKEN }');
    expect((await configuredHostSpec(await loadConfig(dir))).kind).toBe('pct');
  });

  it('a token → the API (auto): token from secrets_files, default URL, CA from ca_file, exec pct', async () => {
    const { dir } = await withHost('host:\n  token_id: unrot@pve!unrot\n  token: { secret: PVE_TOKEN }\n  ca_file: CA_FILE');
    const spec = await configuredHostSpec(await loadConfig(dir), { env: {} });
    expect(spec).toEqual({
      kind: 'api',
      node: 'pve',
      url: 'https://127.0.0.1:8006',
      token: { id: 'unrot@pve!unrot', secret: SECRET },
      tls: { verify: true, ca: pki.caPem },
      exec: 'pct',
      sudo: false,
    });
    // The secret is registered with the process redactor, so the CLI scrubs it from anything it prints.
    expect(processRedactor().string(`x ${SECRET} y`)).toBe('x *** y');
  });

  it('the default CA is the node pve-root-ca.pem when readable; a fingerprint replaces it', async () => {
    const { dir, caFile } = await withHost('host:\n  token_id: unrot@pve!unrot\n  token: { secret: PVE_TOKEN }');
    const config = await loadConfig(dir);
    expect((await configuredHostSpec(config, { defaultCaFile: caFile })).kind === 'api').toBe(true);
    const withCa = await configuredHostSpec(config, { defaultCaFile: caFile });
    expect(withCa.kind === 'api' && withCa.tls.ca).toBe(pki.caPem);
    const without = await configuredHostSpec(config, { defaultCaFile: NO_DEFAULT_CA });
    expect(without.kind === 'api' && without.tls).toEqual({ verify: true });
    const pinned = await withHost(
      `host:\n  token_id: unrot@pve!unrot\n  token: { secret: PVE_TOKEN }\n  fingerprint: "${pki.fingerprint}"\n  exec: lxc-attach\n  sudo: true`,
    );
    const spec = await configuredHostSpec(await loadConfig(pinned.dir), { defaultCaFile: caFile });
    expect(spec).toMatchObject({ kind: 'api', tls: { verify: true, fingerprint: pki.fingerprint }, exec: 'lxc-attach', sudo: true });
    expect(spec.kind === 'api' ? spec.tls.ca : 'not api').toBeUndefined();
  });

  it('E_CONFIG at the key: api without a token, token without token_id, an unknown secret, fingerprint with ca_file', async () => {
    const cases: Array<[string, string]> = [
      ['host:\n  api: api', 'api: api needs a token'],
      ['host:\n  token: { secret: PVE_TOKEN }', 'token is set but token_id is not'],
      ['host:\n  token_id: unrot@pve!unrot\n  token: { secret: NOPE }', "unknown secret 'NOPE'"],
      [
        `host:\n  token_id: unrot@pve!unrot\n  token: { secret: PVE_TOKEN }\n  ca_file: CA_FILE\n  fingerprint: "${'AB:'.repeat(31)}AB"`,
        'either fingerprint or ca_file',
      ],
      ['host:\n  token_id: unrot@pve!unrot\n  token: { secret: PVE_TOKEN }\n  ca_file: /nonexistent/ca.pem', 'cannot be read (ENOENT)'],
    ];
    for (const [host, message] of cases) {
      const { dir } = await withHost(host);
      const error = await configError(async () => configuredHostSpec(await loadConfig(dir)));
      expect(error.message, host).toContain(message);
      expect(error.message).toMatch(/global\.yml:\d+/);
      expect(error.message).not.toContain(SECRET);
    }
  });

  it('the token is never written inline: a string is refused by the schema, with its key path and without the value', async () => {
    const dir = await configDir({ 'global.yml': `host:\n  token_id: unrot@pve!unrot\n  token: ${SECRET}\n` });
    const error = await configError(() => loadConfig(dir));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('host.token');
    expect(error.message).toContain('not shown: this key refers to a secret');
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(SECRET.slice(0, 20));
  });

  it('a worker builds the ApiHost from the spec it is sent (structured clone), and it answers', async () => {
    const { dir } = await withHost(
      `host:\n  url: ${api.url}\n  token_id: unrot@pve!unrot\n  token: { secret: PVE_TOKEN }\n  ca_file: CA_FILE`,
    );
    const spec = structuredClone(await configuredHostSpec(await loadConfig(dir)));
    api.routes.length = 0;
    api.routes.push(...fakeNode().routes);
    const { port1 } = new MessageChannel();
    const host = await hostFor(spec, port1 as unknown as import('node:worker_threads').MessagePort);
    port1.close();
    expect(host).toBeInstanceOf(ApiHost);
    expect(await host.status(101)).toBe('running');
  });
});

describe('unrot doctor (hostDoctor)', () => {
  it('reaches the API, lists what the token sees, and names each missing privilege with what fails without it', async () => {
    const { dir } = await withHost(
      `host:\n  url: ${api.url}\n  token_id: unrot@pve!unrot\n  token: { secret: PVE_TOKEN }\n  ca_file: CA_FILE`,
      'defaults:\n  backup:\n    mode: snapshot\n    on_unsupported: vzdump\n',
    );
    await writeFile(join(dir, 'containers', '105.yml'), 'enabled: true\n').catch(async () => {
      const { mkdir } = await import('node:fs/promises');
      await mkdir(join(dir, 'containers'));
      await writeFile(join(dir, 'containers', '105.yml'), 'enabled: true\n');
    });
    api.routes.length = 0;
    api.routes.push(
      on('GET', '/version', () => ok({ version: '9.1.1', release: '9.1', repoid: 'x' })),
      on('GET', '/access/permissions', (r) => {
        const path = r.query.get('path') ?? '';
        const vm = { 'VM.Audit': 1, 'VM.Snapshot': 1, 'VM.Backup': 1, 'VM.PowerMgmt': 1 };
        const table: Record<string, Record<string, number>> = {
          '/vms/101': vm,
          '/vms/102': { 'VM.Audit': 1 },
          '/vms/105': {},
          '/storage/local': { 'Datastore.Audit': 1, 'Datastore.AllocateSpace': 1 },
          '/storage/local-lvm': { 'Datastore.Audit': 1 },
        };
        return ok({ [path]: table[path] ?? {} });
      }),
      ...fakeNode().routes,
    );
    const report = await hostDoctor(dir);
    expect(report).toMatchObject({ mode: 'api', node: 'pve', version: '9.1.1', tokenId: 'unrot@pve!unrot', invisible: [105], ok: false });
    expect(report.features.sort()).toEqual(['inventory', 'power', 'restore', 'rollback', 'snapshot', 'storage', 'vzdump']);
    const missing = report.missing.map((c) => `${c.feature} ${c.path} ${c.anyOf.join('|')}`);
    // 101 has all it needs (rollback is satisfied by VM.Snapshot); 102 only audit; 105 nothing; local-lvm cannot allocate.
    expect(missing).toContain('snapshot /vms/102 VM.Snapshot');
    expect(missing).toContain('rollback /vms/102 VM.Snapshot.Rollback|VM.Snapshot');
    expect(missing).toContain('vzdump /vms/102 VM.Backup');
    expect(missing).toContain('inventory /vms/105 VM.Audit');
    expect(missing).toContain('restore /storage/local-lvm Datastore.AllocateSpace');
    expect(missing.some((m) => m.includes('/vms/101'))).toBe(false);
    expect(missing.some((m) => m.startsWith('storage '))).toBe(false);
    expect(report.missing.find((c) => c.path === '/vms/102' && c.feature === 'snapshot')?.without).toContain('snapshot fails');
    expect(JSON.stringify(report)).not.toContain(SECRET);
  });

  it('without a token: mode cli, nothing to check', async () => {
    expect(await hostDoctor(await configDir({ 'global.yml': 'node: pve\n' }))).toMatchObject({ mode: 'cli', ok: true });
  });
});
