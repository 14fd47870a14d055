// The runner against a REAL Docker engine and REAL registries, all started by this file
// (docker-env.mjs): Debian 12's dockerd 20.10 with its own data root and socket (no iptables, no
// bridge), docker-registry 2.8 on 127.0.0.1 (one open, one behind htpasswd), demo images built
// FROM scratch with busybox-static. Nothing is skipped: without root, docker.io,
// docker-registry or busybox-static, or when dockerd cannot start, the suite fails with why.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalExec } from '@unrot/sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runner } from '../src/index.js';
import type { DockerOptions } from '../src/options.js';
import { startDockerEnv } from './docker-env.mjs';
import { dockerContext } from './runner-context.js';

interface DockerEnv {
  env: NodeJS.ProcessEnv;
  prefix: string[];
  docker: (args: string[], opts?: object) => string;
  build: (version: string, tags: string[], opts?: { broken?: boolean; healthcheck?: boolean }) => string;
  stop: () => Promise<void>;
  registry: string;
  authRegistry: string;
  auth: { user: string; password: string };
  cliConfig: string;
  root: string;
}

let d: DockerEnv;
const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => 'no error',
    (e: { code?: string; details?: { reason?: string } }) => `${e.code}${e.details?.reason ? `/${e.details.reason}` : ''}`,
  );

function context(options: Partial<DockerOptions> = {}, exclusions: string[] = [], dryRun = false, env = d.env) {
  const exec = createLocalExec({ env, cwd: '/', dryRun, prefix: d.prefix });
  return dockerContext(exec, { insecure_registries: [d.registry, d.authRegistry], settle_s: 2, ...options }, exclusions);
}

/** The inspect of a container with what must differ after a recreate blanked out. */
function comparable(name: string) {
  const [c] = JSON.parse(d.docker(['container', 'inspect', name]));
  const { AttachStdout, AttachStderr, AttachStdin, Image, ...config } = c.Config;
  // docker's default hostname is the short id, new with every container.
  if (config.Hostname === c.Id.slice(0, 12)) config.Hostname = '(short id)';
  return { Config: config, HostConfig: c.HostConfig, Mounts: c.Mounts, Name: c.Name };
}

const imageOf = (name: string) => d.docker(['container', 'inspect', '--format', '{{.Image}}', name]).trim();
const names = () => d.docker(['ps', '--all', '--format', '{{.Names}}']).split('\n').filter(Boolean).sort();

describe('docker runner against a real dockerd and registry', () => {
  let v10 = '';
  let v11 = '';
  beforeAll(async () => {
    d = await startDockerEnv();
    v10 = d.build('1.0', ['1.0', 'latest']);
    d.docker(['volume', 'create', 'webdata']);
    d.docker([
      'run',
      '--detach',
      '--name=web',
      '--network=host',
      '--env=DB_PASSWORD=hunter2-secret',
      '--env=MODE=prod',
      '--label=app=web',
      '--restart=unless-stopped',
      '--volume=webdata:/data',
      '--workdir=/data',
      '--user=1000',
      '--cap-drop=MKNOD',
      '--health-cmd=/bin/busybox true',
      '--health-interval=1s',
      '--health-retries=3',
      '--log-opt=max-size=1m',
      '--memory=64m',
      '--init',
      `${d.registry}/demo:latest`,
      'sleep',
      '3600',
    ]);
    d.docker(['run', '--detach', '--name=bystander', '--network=none', `${d.registry}/demo:1.0`]);
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('detect names the engine', async () => {
    const { ctx } = context();
    expect(await runner.detect(ctx)).toEqual({ applicable: true, reason: expect.stringMatching(/^Docker Engine 20\.10\.\S+, API 1\.41$/) });
  });

  it('nothing pending while the registry serves the running image', async () => {
    const { ctx } = context({ containers: ['web'] });
    expect(await runner.check(ctx)).toEqual({ updates: [], withheld: [] });
  });

  it('1.0 → 1.1: check finds it without pulling; apply recreates web with the identical configuration, old image kept; a re-run is a no-op', async () => {
    v11 = d.build('1.1', ['1.1', 'latest']);
    const pushed = JSON.parse(d.docker(['image', 'inspect', `${d.registry}/demo:1.1`]))[0].RepoDigests[0].split('@')[1];
    // Pushing left 1.1 in the engine that built it: drop it so "no pull" is observable.
    d.docker(['image', 'rm', `${d.registry}/demo:1.1`, `${d.registry}/demo:latest`]);
    const before = comparable('web');
    const { ctx, exec, logged } = context({ containers: ['web'] });
    const checked = await runner.check(ctx);
    const from = JSON.parse(d.docker(['image', 'inspect', v10]))[0].RepoDigests[0].split('@')[1];
    expect(checked).toEqual({ updates: [{ name: 'web', from, to: pushed, scope: `image ${d.registry}/demo:latest` }], withheld: [] });
    expect(exec.records.some((r) => r.argv.includes('pull'))).toBe(false);
    expect(d.docker(['image', 'ls', '--quiet', '--no-trunc']).includes(v11)).toBe(false);

    const steps = await runner.plan(ctx, checked);
    const create = steps.find((s) => s.id === 'web:create')?.argv ?? [];
    expect(steps.map((s) => s.id)).toEqual([
      'web:pull',
      'web:tag',
      'web:stop',
      'web:rename',
      'web:env-file',
      'web:env-write',
      'web:create',
      'web:env-remove',
      'web:start',
      'web:remove-old',
    ]);
    expect(steps[0]?.argv).toEqual(['docker', 'pull', '--quiet', '--', `${d.registry}/demo@${pushed}`]);
    expect(create).toContain('--env-file=/run/unrot-docker-web.env');
    expect(JSON.stringify(steps)).not.toContain('hunter2');

    const applied = await runner.apply(ctx, steps);
    expect(applied.changed).toEqual(checked.updates);
    expect(exec.records.filter((r) => r.kind === 'change').map((r) => r.argv)).toEqual(steps.map((s) => s.argv));
    expect(imageOf('web')).toBe(v11);
    // Identical, except what the container only inherited from its image: that follows the new image.
    const expected = JSON.parse(
      JSON.stringify(before)
        .replace('"DEMO_VERSION=1.0"', '"DEMO_VERSION=1.1"')
        .replace('"org.opencontainers.image.version":"1.0"', '"org.opencontainers.image.version":"1.1"'),
    );
    expect(comparable('web')).toEqual(expected);
    expect(d.docker(['container', 'inspect', '--format', '{{.State.Health.Status}}', 'web']).trim()).toBe('healthy');
    expect(names()).toEqual(['bystander', 'web']);
    // The old image stays until verification; pruning is left to policy.
    expect(d.docker(['image', 'ls', '--quiet', '--no-trunc'])).toContain(v10);
    expect(logged.join('\n')).not.toContain('hunter2');

    const again = context({ containers: ['web'] });
    expect(await runner.check(again.ctx)).toEqual({ updates: [], withheld: [] });
    expect(await runner.plan(again.ctx, { updates: [], withheld: [] })).toEqual([]);
  });

  it('prune_old_images (after verify): removes a replaced image only when no tag names it and no container, even a stopped one, uses it', async () => {
    const digestOf = (id: string) => JSON.parse(d.docker(['image', 'inspect', id]))[0].RepoDigests[0].split('@')[1] as string;
    const present = () => d.docker(['image', 'ls', '--all', '--quiet', '--no-trunc']);
    // replaced: built and pushed as demo:prune, then the tag moved on (as apply's docker tag does): untagged, unused.
    const replaced = d.build('0.8', ['prune']);
    d.build('0.9', ['prune']);
    // stillUsed: the same, but a stopped container was created from it.
    const stillUsed = d.build('0.6', ['prune-used']);
    d.docker(['create', '--name=stopped-user', '--network=none', `${d.registry}/demo:prune-used`]);
    d.build('0.7', ['prune-used']);
    const changed = [replaced, stillUsed, v10].map((id, i) => ({ name: `c${i}`, from: digestOf(id), to: 'sha256:'.padEnd(71, '0') }));
    expect(JSON.parse(d.docker(['image', 'inspect', replaced]))[0].RepoTags).toEqual([]);

    // Off (the default): nothing is removed.
    const off = context();
    await runner.afterVerify?.(off.ctx, { changed });
    expect(off.exec.records.filter((r) => r.kind === 'change')).toEqual([]);
    expect(present()).toContain(replaced);

    const on = context({ prune_old_images: true });
    await runner.afterVerify?.(on.ctx, { changed });
    expect(on.exec.records.filter((r) => r.kind === 'change').map((r) => r.argv)).toEqual([['docker', 'image', 'rm', '--', replaced]]);
    expect(present()).not.toContain(replaced);
    // Used by the stopped container, and v10 by the running bystander (and tagged demo:1.0): kept, and said why.
    expect(present()).toContain(stillUsed);
    expect(present()).toContain(v10);
    expect(on.logged.join('\n')).toMatch(/a container still uses it/);
    d.docker(['rm', 'stopped-user']);
  });

  it('a broken 1.2 (exits at start) is rolled back: the old web runs again on 1.1, the tag points back, nothing half-recreated', async () => {
    d.build('1.2', ['1.2', 'latest'], { broken: true });
    d.docker(['image', 'rm', `${d.registry}/demo:1.2`, `${d.registry}/demo:latest`]);
    d.docker(['tag', v11, `${d.registry}/demo:latest`]);
    const before = comparable('web');
    const { ctx } = context({ containers: ['web'] });
    const checked = await runner.check(ctx);
    expect(checked.updates.map((u) => u.name)).toEqual(['web']);
    const steps = await runner.plan(ctx, checked);
    const error = await runner.apply(ctx, steps).then(
      () => undefined,
      (e: Error & { code?: string }) => e,
    );
    expect(error).toMatchObject({ code: 'E_RESTART_FAILED' });
    expect(error?.message).toMatch(/the recreated web (is )?(not running|not healthy|did not stay running)/);
    expect(names()).toEqual(['bystander', 'web']);
    expect(imageOf('web')).toBe(v11);
    expect(d.docker(['container', 'inspect', '--format', '{{.State.Running}}', 'web']).trim()).toBe('true');
    expect(comparable('web')).toEqual(before);
    expect(d.docker(['image', 'inspect', '--format', '{{.Id}}', `${d.registry}/demo:latest`]).trim()).toBe(v11);
    // Still pending on the next run (the registry still serves the broken image).
    expect((await runner.check(context({ containers: ['web'] }).ctx)).updates.map((u) => u.name)).toEqual(['web']);
  });

  it('dry-run plans the same steps and changes nothing', async () => {
    const { ctx, exec } = context({ containers: ['web'] }, [], true);
    const checked = await runner.check(ctx);
    const steps = await runner.plan(ctx, checked);
    const result = await runner.apply(ctx, steps);
    expect(result.changed).toEqual([]);
    expect(exec.records.filter((r) => r.kind === 'change').every((r) => !r.executed)).toBe(true);
    expect(imageOf('web')).toBe(v11);
  });

  it('exclusions, monitor_only and pin', async () => {
    expect((await runner.check(context({ containers: ['web'] }, ['we*']).ctx)).withheld).toEqual([
      { name: 'web', reason: 'excluded by policy' },
    ]);
    const monitored = await runner.check(context({ containers: ['web'], monitor_only: ['web'] }).ctx);
    expect(monitored.updates).toEqual([]);
    expect(monitored.withheld[0]?.reason).toMatch(/^monitor_only: 127\.0\.0\.1:\d+\/demo:latest sha256:\S+ → sha256:/);
    // Pinned to the digest it already runs: nothing to do although the tag moved.
    const v11digest = JSON.parse(d.docker(['image', 'inspect', v11]))[0]
      .RepoDigests.find((r: string) => r.includes('/demo@'))
      .split('@')[1];
    expect(await runner.check(context({ containers: ['web'], pin: { web: v11digest } }).ctx)).toEqual({ updates: [], withheld: [] });
  });

  it('registry failures are coded: unreachable, 401 without credentials, tag not found', async () => {
    d.docker(['tag', v10, '127.0.0.1:9/demo:latest']);
    d.docker(['run', '--detach', '--name=offline', '--network=none', '127.0.0.1:9/demo:latest']);
    expect(await codeOf(runner.check(context({ containers: ['offline'] }).ctx))).toBe('E_EXEC_FAILED/unreachable');

    // Pushed with credentials, then the CLI config holds none.
    const withLogin = join(d.root, 'login');
    mkdirSync(withLogin, { recursive: true });
    const loginEnv = { ...d.env, DOCKER_CONFIG: withLogin };
    d.docker(['login', '--username', d.auth.user, '--password-stdin', d.authRegistry], { env: loginEnv, input: d.auth.password });
    d.docker(['tag', v10, `${d.authRegistry}/demo:latest`]);
    d.docker(['push', '--quiet', `${d.authRegistry}/demo:latest`], { env: loginEnv });
    d.docker(['run', '--detach', '--name=private', '--network=none', `${d.authRegistry}/demo:latest`]);
    const denied = await runner.check(context({ containers: ['private'] }).ctx).catch((e: Error) => e);
    expect(denied).toMatchObject({ code: 'E_EXEC_FAILED', details: { reason: 'unauthorized' } });
    // With the container's own docker login, the same check works and no secret reaches results or logs.
    const logged = context({ containers: ['private'] }, [], false, loginEnv);
    expect(await runner.check(logged.ctx)).toEqual({ updates: [], withheld: [] });
    const base64 = Buffer.from(`${d.auth.user}:${d.auth.password}`).toString('base64');
    const seen = JSON.stringify([logged.exec.records, logged.logged, denied]);
    expect(seen).not.toContain(d.auth.password);
    expect(seen).not.toContain(base64);

    d.docker(['tag', v10, `${d.registry}/demo:never-pushed`]);
    d.docker(['run', '--detach', '--name=orphan', '--network=none', `${d.registry}/demo:never-pushed`]);
    expect(await codeOf(runner.check(context({ containers: ['orphan'] }).ctx))).toBe('E_EXEC_FAILED/not-found');
    for (const n of ['offline', 'private', 'orphan']) d.docker(['rm', '--force', n]);
  });

  it("a container sharing another container's network namespace is refused with the key named, and not touched", async () => {
    // demo:latest moved in the registry, so an update is pending and the refusal matters.
    d.docker(['run', '--detach', '--name=sidecar', '--network=container:bystander', `${d.registry}/demo:latest`]);
    const error = await runner.check(context({ containers: ['sidecar'] }).ctx).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'E_RUNNER_NOT_APPLICABLE', message: expect.stringContaining('HostConfig.NetworkMode') });
    expect(names()).toContain('sidecar');
    d.docker(['rm', '--force', 'sidecar']);
  });

  it('user-defined networks (aliases, static IP, a second network) and published ports survive the recreate', async () => {
    // Bridges exist only in the engine's own network namespace (docker-env.mjs), never on the host.
    d.docker(['network', 'create', '--subnet=172.30.0.0/24', 'backend']);
    d.docker(['network', 'create', 'frontend']);
    d.docker(['tag', v10, `${d.registry}/demo:net`]);
    d.docker(['push', '--quiet', `${d.registry}/demo:net`]);
    d.docker([
      'run',
      '--detach',
      '--name=netweb',
      '--network=backend',
      '--network-alias=db',
      '--ip=172.30.0.5',
      '--publish=127.0.0.1:18080:8080/tcp',
      '--publish=9000/tcp',
      '--expose=7000',
      `${d.registry}/demo:net`,
    ]);
    d.docker(['network', 'connect', '--alias=db-public', 'frontend', 'netweb']);
    const networks = () => {
      const [c] = JSON.parse(d.docker(['container', 'inspect', 'netweb']));
      const shortId = c.Id.slice(0, 12);
      return Object.fromEntries(
        Object.entries(c.NetworkSettings.Networks as Record<string, { Aliases: string[] | null; IPAMConfig: unknown }>).map(([n, ep]) => [
          n,
          { aliases: (ep.Aliases ?? []).filter((a) => a !== shortId), ipam: ep.IPAMConfig },
        ]),
      );
    };
    const before = { inspect: comparable('netweb'), networks: networks() };
    expect(before.networks).toEqual({
      backend: { aliases: ['db'], ipam: { IPv4Address: '172.30.0.5' } },
      frontend: { aliases: ['db-public'], ipam: {} },
    });
    d.docker(['tag', v11, `${d.registry}/demo:net`]);
    d.docker(['push', '--quiet', `${d.registry}/demo:net`]);
    d.docker(['tag', v10, `${d.registry}/demo:net`]);

    const { ctx } = context({ containers: ['netweb'] });
    const checked = await runner.check(ctx);
    const steps = await runner.plan(ctx, checked);
    expect(steps.find((s) => s.id === 'netweb:connect-0')?.argv).toEqual([
      'docker',
      'network',
      'connect',
      '--alias=db-public',
      'frontend',
      'netweb',
    ]);
    await runner.apply(ctx, steps);
    expect(imageOf('netweb')).toBe(v11);
    const after = { inspect: comparable('netweb'), networks: networks() };
    const expected = JSON.parse(
      JSON.stringify(before)
        .replace('"DEMO_VERSION=1.0"', '"DEMO_VERSION=1.1"')
        .replace('"org.opencontainers.image.version":"1.0"', '"org.opencontainers.image.version":"1.1"'),
    );
    expect(after).toEqual(expected);
    expect(after.inspect.HostConfig.PortBindings).toEqual({
      '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '18080' }],
      '9000/tcp': [{ HostIp: '', HostPort: '' }],
    });
    d.docker(['rm', '--force', 'netweb']);
  });

  it('compose v1 (docker-compose 1.29): pull + up -d updates the project, a re-run is a no-op', async () => {
    const dir = join(d.root, 'stack');
    mkdirSync(dir, { recursive: true });
    d.docker(['tag', v10, `${d.registry}/demo:stack`]);
    d.docker(['push', '--quiet', `${d.registry}/demo:stack`]);
    writeFileSync(
      join(dir, 'docker-compose.yml'),
      `version: "3"\nservices:\n  app:\n    image: ${d.registry}/demo:stack\n    network_mode: none\n`,
    );
    const compose = (args: string[]) => execFileSync('docker-compose', args, { cwd: dir, env: d.env, encoding: 'utf8' });
    compose(['up', '--detach']);
    const appName = names().find((n) => n.startsWith('stack_app')) ?? '';
    expect(appName).toBe('stack_app_1');
    const oldId = imageOf(appName);

    d.docker(['tag', v11, `${d.registry}/demo:stack`]);
    d.docker(['push', '--quiet', `${d.registry}/demo:stack`]);
    d.docker(['tag', v10, `${d.registry}/demo:stack`]);
    const { ctx } = context({ compose_projects: [dir] });
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([
      { name: appName, from: expect.stringMatching(/^sha256:/), to: expect.stringMatching(/^sha256:/), scope: `compose ${dir}` },
    ]);
    const steps = await runner.plan(ctx, checked);
    expect(steps.map((s) => s.argv)).toEqual([
      [
        'docker-compose',
        `--project-directory=${dir}`,
        '--project-name=stack',
        `--file=${join(dir, 'docker-compose.yml')}`,
        'pull',
        '--quiet',
      ],
      [
        'docker-compose',
        `--project-directory=${dir}`,
        '--project-name=stack',
        `--file=${join(dir, 'docker-compose.yml')}`,
        'up',
        '--detach',
      ],
    ]);
    const applied = await runner.apply(ctx, steps);
    expect(applied.changed.map((u) => u.name)).toEqual([appName]);
    expect(imageOf(appName)).toBe(v11);
    expect(imageOf(appName)).not.toBe(oldId);
    expect(await runner.check(context({ compose_projects: [dir] }).ctx)).toEqual({ updates: [], withheld: [] });
  });
});
