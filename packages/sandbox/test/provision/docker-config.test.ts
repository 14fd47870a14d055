import { Value } from '@sinclair/typebox/value';
import { ContainerPolicySchema, GlobalPolicySchema } from '@unrot/engine/policy';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DAEMON_JSON, demoDockerfile, dockerRawLxc, publishDockerVersion } from '../../src/provision/docker-ct.js';
import { ctGroups, sandboxSettings } from '../../src/provision/settings.js';
import { unrotConfigFiles } from '../../src/provision/unrot-config.js';
import { featureLines, parseFeatures } from '../../src/pve/lxc.js';

// The pure parts of the docker group (CT 105, Docker-in-LXC): settings, the LXC keys nesting
// turns into, daemon.json, the demo images and the generated unrot config. No LXC, no root;
// the drills (test/drills/docker-drills.test.ts) run all of it for real.

const s = sandboxSettings({ UNROT_SANDBOX_ROOT: '/var/lib/unrot-sandbox-x', UNROT_SANDBOX_NODE: 'node1' });

describe('the docker group', () => {
  it('is opt-in, alone or with others; its ports come from the environment', () => {
    expect(s.groups).toEqual(['apps']);
    expect(ctGroups('docker')).toEqual(['docker']);
    expect(ctGroups('docker,apps')).toEqual(['apps', 'docker']);
    expect([s.registryPort, s.dockerAppPort]).toEqual([8435, 3103]);
    const own = sandboxSettings({ UNROT_SANDBOX_REGISTRY_PORT: '8837', UNROT_SANDBOX_DOCKER_APP_PORT: '3503' });
    expect([own.registryPort, own.dockerAppPort]).toEqual([8837, 3503]);
    expect(() => sandboxSettings({ UNROT_SANDBOX_REGISTRY_PORT: 'x' })).toThrow(/UNROT_SANDBOX_REGISTRY_PORT must be a TCP port/);
  });
});

describe('features: nesting=1 (what Proxmox writes for it)', () => {
  const section = (features: string | undefined, lxc: Array<[string, string]> = []) => ({
    keys: features === undefined ? {} : { features },
    lxc,
  });

  it('parses pct’s comma list', () => {
    expect(parseFeatures('nesting=1,keyctl=1')).toEqual({ nesting: '1', keyctl: '1' });
    expect(parseFeatures(undefined)).toEqual({});
  });

  it('turns nesting=1 into the generated AppArmor profile with nesting allowed; nothing without it', () => {
    expect(featureLines(section('nesting=1'))).toEqual(['lxc.apparmor.profile = generated', 'lxc.apparmor.allow_nesting = 1']);
    expect(featureLines(section('nesting=0'))).toEqual([]);
    expect(featureLines(section(undefined))).toEqual([]);
  });

  it('a raw lxc.apparmor.profile in the conf replaces those lines (as in pve-container)', () => {
    expect(featureLines(section('nesting=1', [['lxc.apparmor.profile', 'unconfined']]))).toEqual([]);
  });
});

describe('CT 105 contents', () => {
  it('LXC keys for Docker: host network, unconfined, writable proc/sys/cgroup, all devices, no caps dropped', () => {
    expect(dockerRawLxc(false)).toEqual([
      ['lxc.net.0.type', 'none'],
      ['lxc.apparmor.profile', 'unconfined'],
      ['lxc.mount.auto', 'proc:rw sys:rw cgroup:rw'],
      ['lxc.cgroup.devices.allow', 'a'],
      ['lxc.cap.drop', ''],
    ]);
    expect(dockerRawLxc(true)).toContainEqual(['lxc.cgroup2.devices.allow', 'a']);
  });

  it('daemon.json keeps dockerd off the shared network and on overlay2', () => {
    expect(JSON.parse(DAEMON_JSON)).toEqual({ iptables: false, ip6tables: false, bridge: 'none', 'storage-driver': 'overlay2' });
  });

  it('demo images: 1.0/1.1 serve /health on the demo port, 1.2 exits at start; all carry their version', () => {
    const good = demoDockerfile(s, '1.1');
    expect(good).toMatch(/^FROM scratch$/m);
    expect(good).toContain('LABEL org.opencontainers.image.version=1.1');
    expect(good).toContain('CMD ["httpd", "-f", "-p", "127.0.0.1:3103", "-h", "/www"]');
    expect(good).toMatch(/^HEALTHCHECK .* http:\/\/127\.0\.0\.1:3103\/health$/m);
    const broken = demoDockerfile(s, '1.2');
    expect(broken).toContain('exit 3');
    expect(broken).not.toContain('httpd');
  });

  it('publish-docker takes only a demo version', async () => {
    await expect(publishDockerVersion(s, '9.9')).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});

describe('the generated unrot config for CT 105', () => {
  const load = (files: Record<string, string>, rel: string) => parse(files[rel] ?? '') as unknown;

  it('exists only with the CT; runner docker on demo-web and /opt/stack with pruning, os none, an HTTP health check; validates', () => {
    expect(Object.keys(unrotConfigFiles(s)).sort()).toEqual(['containers/101.yml', 'containers/102.yml', 'global.yml']);
    const files = unrotConfigFiles(s, [105]);
    expect(Object.keys(files).sort()).toEqual(['containers/105.yml', 'global.yml']);
    expect(load(files, 'global.yml')).toMatchObject({ targets: { allow: [105] } });
    expect(Value.Errors(GlobalPolicySchema, load(files, 'global.yml')).First()).toBeUndefined();
    const ct = load(files, 'containers/105.yml');
    expect(Value.Errors(ContainerPolicySchema, ct).First()).toBeUndefined();
    expect(ct).toEqual({
      runners: {
        os: 'none',
        docker: {
          containers: ['demo-web'],
          compose_projects: ['/opt/stack'],
          insecure_registries: ['127.0.0.1:8435'],
          prune_old_images: true,
        },
      },
      health_checks: [
        { probe: 'http', name: 'demo', options: { port: 3103, path: '/health' }, schedule: { warmup_ms: 1000, attempts: 5 } },
      ],
    });
  });
});
