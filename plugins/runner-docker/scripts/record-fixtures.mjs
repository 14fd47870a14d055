#!/usr/bin/env node
// The scenarios of test/fixtures/contract-scenarios.json, recorded by the SDK's recorder
// (@unrot/sdk/testing createRecorder) against a REAL Docker engine and registries started by
// test/docker-env.mjs (Debian 12's dockerd 20.10 with its own data root and socket, no iptables,
// no bridge; docker-registry 2.8 on 127.0.0.1; demo images FROM scratch with busybox-static).
// The built runner (dist/) runs detect → check → plan → apply → check again through
// createLocalExec on this machine, with DOCKER_HOST/DOCKER_CONFIG pointing at that engine.
// The demo containers carry no secrets: their inspect output is stored as recorded.
// Usage (root, from /work/main, after `npx tsc -p packages/sdk && npx tsc -p plugins/runner-docker`):
//   node plugins/runner-docker/scripts/record-fixtures.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalExec, createRecorder } from '@unrot/sdk/testing';
import { runner } from '../dist/index.js';
import { startDockerEnv } from '../test/docker-env.mjs';

const d = await startDockerEnv();
try {
  const debian = execFileSync('cat', ['/etc/debian_version'], { encoding: 'utf8' }).trim();
  const where = (note = '') =>
    `this machine (Debian ${debian}, root), in a network namespace of its own (nsenter --net), its own dockerd (docker.io 20.10, --data-root and unix socket in a temp dir, iptables/bridge off), docker-registry 2.8 at ${d.registry}${note}`;
  const target = (env = d.env, note = '') => ({
    exec: createLocalExec({ env, cwd: '/', prefix: d.prefix }),
    where: where(note),
    toolVersion: ['docker', '--version'],
  });
  const recorder = createRecorder(runner, { target: target() });
  const base = { insecure_registries: [d.registry, d.authRegistry], settle_s: 1 };
  const capture = (name, how, options, exclusions, expect, t) =>
    recorder.record({ name, how, options: { ...base, ...options }, exclusions, expect }, t);

  const v10 = d.build('1.0', ['1.0', 'latest']);
  d.docker(['volume', 'create', 'webdata']);
  d.docker([
    'run',
    '--detach',
    '--name=web',
    '--network=host',
    '--env=MODE=prod',
    '--label=app=web',
    '--restart=unless-stopped',
    '--volume=webdata:/data',
    '--health-cmd=/bin/busybox true',
    '--health-interval=1s',
    '--health-retries=3',
    '--memory=64m',
    `${d.registry}/demo:latest`,
    'sleep',
    '3600',
  ]);

  await capture(
    'nothing pending',
    `web runs ${d.registry}/demo:latest = 1.0, which the registry still serves`,
    { containers: ['web'] },
    [],
    {
      applicable: true,
      updates: 0,
      sources: [
        {
          host: d.registry.split(':')[0],
          port: Number(d.registry.split(':')[1]),
          origin: `registry of ${d.registry}/demo (container web)`,
        },
      ],
      withheld: [],
    },
  );

  // latest moves to 1.1 in the registry; the engine keeps only 1.0 (what a host that never pulled has).
  d.build('1.1', ['1.1', 'latest']);
  d.docker(['image', 'rm', `${d.registry}/demo:1.1`, `${d.registry}/demo:latest`]);
  d.docker(['tag', v10, `${d.registry}/demo:latest`]);
  await capture(
    'excluded container withheld',
    `latest moved to 1.1 in the registry, web runs 1.0; exclusions ["we*"]`,
    { containers: ['web'] },
    ['we*'],
    { applicable: true, updates: 0, withheld: ['web'] },
  );
  await capture(
    'monitor_only container withheld',
    'as above; options monitor_only [web]',
    { containers: ['web'], monitor_only: ['web'] },
    [],
    {
      applicable: true,
      updates: 0,
      withheld: ['web'],
    },
  );
  await capture(
    'update pending, pulled by digest and web recreated',
    'as above: docker manifest inspect shows a new config digest for latest; apply pulls demo@digest, tags it latest, stops/renames web, creates and starts it with the same configuration (healthy), removes the old one',
    { containers: ['web'] },
    [],
    { applicable: true, updates: 1, withheld: [] },
  );

  // A container created from a registry that is not there (port 9 on 127.0.0.1 is closed).
  d.docker(['tag', v10, '127.0.0.1:9/demo:latest']);
  d.docker(['run', '--detach', '--name=offline', '--network=none', '127.0.0.1:9/demo:latest']);
  await capture(
    'failing check: registry unreachable',
    'container offline runs 127.0.0.1:9/demo:latest; nothing listens on port 9',
    { containers: ['offline'] },
    [],
    {
      applicable: true,
      checkErrorCode: 'E_EXEC_FAILED',
    },
  );
  d.docker(['rm', '--force', 'offline']);

  // Pushed to the htpasswd registry with a login that the checking client does not have.
  const login = join(d.root, 'login');
  mkdirSync(login, { recursive: true });
  const loginEnv = { ...d.env, DOCKER_CONFIG: login };
  d.docker(['login', '--username', d.auth.user, '--password-stdin', d.authRegistry], { env: loginEnv, input: d.auth.password });
  d.docker(['tag', v10, `${d.authRegistry}/demo:latest`]);
  d.docker(['push', '--quiet', `${d.authRegistry}/demo:latest`], { env: loginEnv });
  d.docker(['run', '--detach', '--name=private', '--network=none', `${d.authRegistry}/demo:latest`]);
  await capture(
    'failing check: registry answers 401',
    `container private runs ${d.authRegistry}/demo:latest (htpasswd auth); the client's config.json has no credentials`,
    { containers: ['private'] },
    [],
    { applicable: true, checkErrorCode: 'E_EXEC_FAILED' },
  );
  d.docker(['rm', '--force', 'private']);

  // Shares web's network namespace and its tag moved: refused, never recreated.
  d.docker(['tag', v10, `${d.registry}/demo:latest`]);
  d.docker(['run', '--detach', '--name=sidecar', '--network=container:web', `${d.registry}/demo:latest`]);
  await capture(
    'failing check: configuration cannot be reproduced',
    'container sidecar (--network container:web) on demo:latest, which moved to 1.1: HostConfig.NetworkMode refused',
    { containers: ['sidecar'] },
    [],
    { applicable: true, checkErrorCode: 'E_RUNNER_NOT_APPLICABLE' },
  );
  d.docker(['rm', '--force', 'sidecar']);

  // Compose v1 project on demo:stack, which then moves to 1.1 in the registry.
  const dir = join(d.root, 'stack');
  mkdirSync(dir, { recursive: true });
  d.docker(['tag', v10, `${d.registry}/demo:stack`]);
  d.docker(['push', '--quiet', `${d.registry}/demo:stack`]);
  writeFileSync(
    join(dir, 'docker-compose.yml'),
    `version: "3"\nservices:\n  app:\n    image: ${d.registry}/demo:stack\n    network_mode: none\n`,
  );
  execFileSync('docker-compose', ['up', '--detach'], { cwd: dir, env: d.env });
  const v11 = d.docker(['container', 'inspect', '--format', '{{.Image}}', 'web']).trim(); // web runs 1.1 since the update scenario
  d.docker(['tag', v11, `${d.registry}/demo:stack`]);
  d.docker(['push', '--quiet', `${d.registry}/demo:stack`]);
  d.docker(['tag', v10, `${d.registry}/demo:stack`]);
  await capture(
    'compose v1 project updated with pull + up -d',
    `docker-compose 1.29 project in ${dir} (service app on demo:stack, network_mode none); demo:stack moved to 1.1 in the registry`,
    { compose_projects: [dir] },
    [],
    { applicable: true, updates: 1, withheld: [] },
  );

  const noDocker = { ...d.env, PATH: '/nonexistent' };
  await capture(
    'docker absent',
    'PATH without any docker binary: spawning docker fails with ENOENT, reported as exit 127',
    {},
    [],
    { applicable: false },
    target(noDocker, ', PATH=/nonexistent'),
  );
  const noEngine = { ...d.env, DOCKER_HOST: `unix://${join(d.root, 'no-such.sock')}` };
  await capture(
    'engine not running',
    'DOCKER_HOST names a socket nothing listens on: docker version exits 1 with the client part only',
    {},
    [],
    { applicable: false },
    target(noEngine, ', DOCKER_HOST on a missing socket'),
  );

  recorder.write(new URL('../test/fixtures/contract-scenarios.json', import.meta.url));
  console.log(`recorded ${recorder.scenarios.length} scenarios`);
} finally {
  await d.stop();
}
