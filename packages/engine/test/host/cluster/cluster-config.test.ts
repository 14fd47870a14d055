import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';
import { configuredHostSpec } from '../../../src/host/api/host-choice.js';
import { configDir, configError } from '../../config/helpers.js';

const SECRET = '0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9';
const API = 'host:\n  api: api\n  token_id: unrot@pve!unrot\n  token: { secret: PVE_TOKEN }\n  verify_tls: false\n';

async function withGlobal(body: string): Promise<string> {
  const dir = await configDir({});
  const secrets = join(dir, 'secrets.env');
  await writeFile(secrets, `PVE_TOKEN=${SECRET}\n`);
  await chmod(secrets, 0o600);
  await writeFile(join(dir, 'global.yml'), `node: pve1\nsecrets_files: [${secrets}]\n${body}`);
  return dir;
}

describe('global.yml host.cluster and concurrency.per_node', () => {
  it('host.cluster: {} → the API spec with ssh defaults (root, the cluster known_hosts, port 22, 10 s)', async () => {
    const spec = await configuredHostSpec(await loadConfig(await withGlobal(`${API}  cluster: {}\n`)), { env: {} });
    expect(spec.kind).toBe('api');
    expect(spec.kind === 'api' && spec.cluster).toEqual({
      ssh: { user: 'root', knownHosts: '/etc/pve/priv/known_hosts', port: 22, connectTimeoutS: 10 },
    });
  });

  it('every key set is carried over', async () => {
    const cluster = [
      '  cluster:',
      '    ssh: { user: unrot, identity_file: /root/.ssh/id_ed25519, known_hosts: /srv/kh, port: 2222, connect_timeout_s: 3 }',
      '    addresses: { pve2: 10.0.0.12 }',
      '    lock_dir: /srv/lock',
      '    lock_wait: 1h30m',
      'concurrency:',
      '  per_node: 2',
      '',
    ].join('\n');
    const config = await loadConfig(await withGlobal(`${API}${cluster}`));
    expect(config.global.concurrency?.per_node).toBe(2);
    const spec = await configuredHostSpec(config, { env: {} });
    expect(spec.kind === 'api' && spec.cluster).toEqual({
      ssh: { user: 'unrot', identityFile: '/root/.ssh/id_ed25519', knownHosts: '/srv/kh', port: 2222, connectTimeoutS: 3 },
      addresses: { pve2: '10.0.0.12' },
    });
  });

  it('host.cluster with the CLI host is refused, naming the key: the pct tools see only this node', async () => {
    const config = await loadConfig(await withGlobal('host:\n  api: cli\n  cluster: {}\n'));
    const error = await configuredHostSpec(config, { env: {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toMatchObject({ path: 'host.cluster' });
    expect((error as ConfigError).problems[0]?.message).toContain('API host');
  });

  it('strict validation: unknown keys, a bad duration, a relative path, per_node 0', async () => {
    for (const [body, path] of [
      [`${API}  cluster: { sssh: {} }\n`, 'host.cluster'],
      [`${API}  cluster: { lock_wait: 30s }\n`, 'host.cluster.lock_wait'],
      [`${API}  cluster: { ssh: { known_hosts: kh } }\n`, 'host.cluster.ssh.known_hosts'],
      ['concurrency: { per_node: 0 }\n', 'concurrency.per_node'],
    ] as const) {
      const dir = await withGlobal(body);
      const error = await configError(() => loadConfig(dir));
      expect(error.problems.map((p) => p.path).join(' '), body).toContain(path);
    }
  });
});
