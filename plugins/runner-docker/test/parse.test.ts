import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { recreateOrder, select } from '../src/check.js';
import { composePullArgv, composeUpArgv, projectOf } from '../src/compose.js';
import { parseImageRef, registryOf, sameRepository } from '../src/names.js';
import { classifyRegistryError, parseManifestInspect } from '../src/registry.js';
import { registryEndpoint } from '../src/sources.js';
import type { RunningContainer } from '../src/state.js';
import { dockerOptions } from './runner-context.js';

// Real outputs of Debian 12's docker 20.10.24 against docker-registry 2.8 (fixtures/README.md).
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const amd64 = { os: 'linux', architecture: 'amd64', variant: '' };
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return 'no error';
};

describe('docker manifest inspect --verbose', () => {
  it('a single manifest: its digest and the config digest (= the image id once pulled)', () => {
    expect(parseManifestInspect(fixture('manifest-inspect-demo-1.0.json'), amd64)).toEqual({
      digest: 'sha256:530db3da8fb70ffeb4291edcd3f9e068e361c6627ccf4bbc266f0a42536dad0a',
      configId: 'sha256:7ff7ed4b73be296893d4977e59f2423571bc2e0657b6cc30554f480d807d1484',
    });
  });

  it('a manifest list: the entry of the local platform (os, architecture, variant), none for another', () => {
    const list = fixture('manifest-inspect-list.json');
    expect(parseManifestInspect(list, amd64)?.digest).toBe('sha256:530db3da8fb70ffeb4291edcd3f9e068e361c6627ccf4bbc266f0a42536dad0a');
    expect(parseManifestInspect(list, { os: 'linux', architecture: 'arm64', variant: 'v8' })?.digest).toBe(
      'sha256:cc8af9c99b1b482f641a3b5a730746d7060df36476975f0e67b4d109f51d16f0',
    );
    expect(parseManifestInspect(list, { os: 'linux', architecture: 's390x', variant: '' })).toBeUndefined();
  });

  it('refuses output that is not JSON, lacks the manifest, or carries a digest that is not sha256 hex', () => {
    expect(code(() => parseManifestInspect('no such manifest', amd64))).toBe('E_RUNNER_PARSE');
    expect(code(() => parseManifestInspect('{"Descriptor":{"digest":"sha256:00"}}', amd64))).toBe('E_RUNNER_PARSE');
    const hostile = fixture('manifest-inspect-demo-1.0.json').replace(/sha256:530db3[a-f0-9]+/, 'sha256:$(reboot)');
    expect(code(() => parseManifestInspect(hostile, amd64))).toBe('E_RUNNER_UNSAFE_NAME');
  });

  it.each([
    [
      'failed to configure transport: error pinging v2 registry: Get "https://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused',
      'unreachable',
    ],
    ['Get "http://127.0.0.1:34895/v2/demo/manifests/latest": no basic auth credentials', 'unauthorized'],
    ['no such manifest: 127.0.0.1:5555/nope:1', 'not-found'],
    ['invalid reference format', 'other'],
  ])('classifies the real message %j as %s', (stderr, reason) => {
    expect(classifyRegistryError(stderr)).toBe(reason);
  });
});

describe('image references from Config.Image', () => {
  it.each([
    ['demo', { repository: 'demo', tag: 'latest' }],
    ['127.0.0.1:5555/demo:1.0', { repository: '127.0.0.1:5555/demo', tag: '1.0' }],
    ['ghcr.io/acme/app', { repository: 'ghcr.io/acme/app', tag: 'latest' }],
    ['localhost/x:y', { repository: 'localhost/x', tag: 'y' }],
    [`redis@sha256:${'a'.repeat(64)}`, { repository: 'redis', digest: `sha256:${'a'.repeat(64)}` }],
    [`redis:7@sha256:${'a'.repeat(64)}`, { repository: 'redis', tag: '7', digest: `sha256:${'a'.repeat(64)}` }],
  ])('%s', (ref, parsed) => expect(parseImageRef(ref, 'test')).toEqual(parsed));

  it.each(['demo;reboot', '$(reboot)', '--privileged', 'Demo', 'a b', 'demo:-x', `demo@sha256:${'g'.repeat(64)}`, ''])(
    'refuses %j with E_RUNNER_UNSAFE_NAME',
    (ref) => expect(code(() => parseImageRef(ref, 'test'))).toBe('E_RUNNER_UNSAFE_NAME'),
  );

  it('knows Docker Hub names by all their spellings and the registry of a reference', () => {
    expect(sameRepository('docker.io/library/redis', 'redis')).toBe(true);
    expect(sameRepository('127.0.0.1:5555/demo', '127.0.0.1:5555/demo')).toBe(true);
    expect(sameRepository('127.0.0.1:5555/demo', '127.0.0.1:5556/demo')).toBe(false);
    expect(registryOf('127.0.0.1:5555/demo')).toBe('127.0.0.1:5555');
    expect(registryOf('acme/app')).toBe('docker.io');
  });
});

const running = (name: string, labels: Record<string, string> = {}): RunningContainer => ({
  name,
  id: 'a'.repeat(64),
  imageRef: 'demo',
  imageId: `sha256:${'b'.repeat(64)}`,
  labels,
  raw: {},
});
const composeLabels = (project: string, dir: string, files = 'docker-compose.yml') => ({
  'com.docker.compose.project': project,
  'com.docker.compose.project.working_dir': dir,
  'com.docker.compose.project.config_files': files,
});

describe('selection and order', () => {
  const all = [
    running('web', { tier: 'front' }),
    running('db', { tier: 'back' }),
    running('stack_app_1', composeLabels('stack', '/srv/stack')),
  ];

  it('no names or labels: every plain container; compose-managed ones only through compose_projects', () => {
    const s = select(all, dockerOptions());
    expect(s.plain.map((c) => c.name)).toEqual(['web', 'db']);
    expect(s.compose).toEqual([]);
    const c = select(all, dockerOptions({ compose_projects: ['/srv/stack'] }));
    expect(c.plain).toEqual([]);
    expect(c.compose.map((x) => [x.container.name, x.dir])).toEqual([['stack_app_1', '/srv/stack']]);
  });

  it('by name and by label (KEY or KEY=VALUE); naming a compose container says to use compose_projects', () => {
    expect(select(all, dockerOptions({ labels: ['tier=back'] })).plain.map((c) => c.name)).toEqual(['db']);
    expect(select(all, dockerOptions({ labels: ['tier'] })).plain.map((c) => c.name)).toEqual(['web', 'db']);
    const named = select(all, dockerOptions({ containers: ['web', 'stack_app_1'] }));
    expect(named.plain.map((c) => c.name)).toEqual(['web']);
    expect(named.withheld).toEqual([{ name: 'stack_app_1', reason: expect.stringContaining('list its directory in compose_projects') }]);
  });

  it('recreate_order first, the rest by name', () => {
    expect(recreateOrder(['web', 'app', 'db', 'cache'], ['db', 'cache'])).toEqual(['db', 'cache', 'app', 'web']);
  });
});

describe('compose projects from container labels', () => {
  it('v1 labels config files relative to the project dir: made absolute; argv for v1 and v2', () => {
    const p = projectOf(running('stack_app_1', composeLabels('stack', '/srv/stack')), '/srv/stack');
    expect(p).toEqual({ dir: '/srv/stack', name: 'stack', files: ['/srv/stack/docker-compose.yml'] });
    expect(composePullArgv('v1', p)).toEqual([
      'docker-compose',
      '--project-directory=/srv/stack',
      '--project-name=stack',
      '--file=/srv/stack/docker-compose.yml',
      'pull',
      '--quiet',
    ]);
    expect(composeUpArgv('v2', p)).toEqual([
      'docker',
      'compose',
      '--project-directory=/srv/stack',
      '--project-name=stack',
      '--file=/srv/stack/docker-compose.yml',
      'up',
      '--detach',
    ]);
  });

  it.each([
    ['a project name with shell characters', composeLabels('stack;reboot', '/srv/stack')],
    ['a config file with command substitution', composeLabels('stack', '/srv/stack', '/srv/$(reboot).yml')],
    ['a config file escaping with ..', composeLabels('stack', '/srv/stack', '/srv/stack/../../etc/x.yml')],
  ])('refuses %s with E_RUNNER_UNSAFE_NAME', (_what, labels) => {
    expect(code(() => projectOf(running('stack_app_1', labels), '/srv/stack'))).toBe('E_RUNNER_UNSAFE_NAME');
  });
});

describe('registry endpoints for the pre-flight', () => {
  it.each([
    ['docker.io', { host: 'registry-1.docker.io', port: 443 }],
    ['ghcr.io', { host: 'ghcr.io', port: 443 }],
    ['127.0.0.1:5555', { host: '127.0.0.1', port: 5555 }],
    ['registry.lan:8443', { host: 'registry.lan', port: 8443 }],
  ])('%s → %j', (registry, endpoint) => expect(registryEndpoint(registry)).toEqual(endpoint));
});
