import { hostname } from 'node:os';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_DEFAULTS,
  effectiveGlobal,
  effectivePolicy,
  loadConfig,
  type RunnerCatalogEntry,
  validateRunnerOptions,
} from '../../src/config/index.js';
import { configDir } from './helpers.js';

describe('effectivePolicy: defaults → container file', () => {
  it('uses the built-in defaults when nothing is configured', async () => {
    const config = await loadConfig(await configDir({ 'global.yml': '' }));
    expect(effectivePolicy(config, 101)).toEqual({
      vmid: 101,
      enabled: true,
      osRunner: 'apt',
      appRunners: [],
      osRunnerOptions: {},
      exclusions: [],
      guardedPaths: [],
      excludedServices: [],
      timeoutsMs: {
        preflight: 30_000,
        detect: 60_000,
        check: 600_000,
        plan: 60_000,
        apply: 3_600_000,
        backup: 1_800_000,
        verify: 600_000,
        rollback: 1_800_000,
      },
      retries: 1,
      hasFile: false,
      groupFiles: [],
      backup: { mode: 'snapshot', onUnsupported: 'skip', keep: 3, vzdumpStorage: 'local', vzdumpMode: 'snapshot', vzdumpCompress: 'zstd' },
      rollback: { onFailure: true, onInterrupt: 'rollback' },
      risk: 'normal',
      healthChecks: [],
    });
    expect(effectiveGlobal(config)).toEqual({ maxConcurrency: 2, node: hostname().split('.')[0], stateDir: '/var/lib/unrot', targets: {} });
  });

  it('lets the container file win for scalars, timeout by timeout', async () => {
    const config = await loadConfig(
      await configDir({
        'global.yml':
          'max_concurrency: 5\nnode: pve1\nstate_dir: /srv/unrot\ndefaults:\n  retries: 3\n  timeouts: { check: 100, apply: 200 }\n  runners: { os: dnf }\n',
        'containers/101.yml': 'enabled: false\nretries: 0\ntimeouts: { apply: 50 }\nrunners: { os: none }\n',
      }),
    );
    const p = effectivePolicy(config, 101);
    expect(p).toMatchObject({ enabled: false, retries: 0, osRunner: 'none', osRunnerOptions: undefined, hasFile: true });
    expect(p.timeoutsMs).toEqual({
      preflight: 30_000,
      detect: 60_000,
      check: 100_000,
      plan: 60_000,
      apply: 50_000,
      backup: 1_800_000,
      verify: 600_000,
      rollback: 1_800_000,
    });
    const other = effectivePolicy(config, 102);
    expect(other).toMatchObject({ enabled: true, retries: 3, osRunner: 'dnf', hasFile: false });
    expect(other.timeoutsMs.apply).toBe(200_000);
    expect(effectiveGlobal(config)).toMatchObject({ maxConcurrency: 5, node: 'pve1', stateDir: '/srv/unrot' });
  });

  it('adds container exclusions to the global ones (never replaces them), without duplicates', async () => {
    const config = await loadConfig(
      await configDir({
        'global.yml': 'exclusions:\n  packages: [linux-image-*, proxmox-ve]\n',
        'containers/101.yml': 'exclusions:\n  packages: [nginx, proxmox-ve]\n',
      }),
    );
    expect(effectivePolicy(config, 101).exclusions).toEqual(['linux-image-*', 'proxmox-ve', 'nginx']);
    expect(effectivePolicy(config, 102).exclusions).toEqual(['linux-image-*', 'proxmox-ve']);
  });

  it('enables default app runners everywhere and lets a container replace their option block as a whole', async () => {
    const config = await loadConfig(
      await configDir({
        'global.yml': 'defaults:\n  runners:\n    os: apt\n    apt: { mode: full-upgrade }\n    npm: { global: true, allow_major: true }\n',
        'containers/101.yml': 'runners:\n  npm: { projects: [/opt/web-app] }\n  pip: { venvs: [/opt/py-app/venv] }\n',
        'containers/102.yml': 'runners:\n  apt: { lock_timeout_s: 5 }\n',
      }),
    );
    const p101 = effectivePolicy(config, 101);
    expect(p101.appRunners).toEqual([
      { id: 'npm', options: { projects: ['/opt/web-app'] } },
      { id: 'pip', options: { venvs: ['/opt/py-app/venv'] } },
    ]);
    expect(p101.osRunnerOptions).toEqual({ mode: 'full-upgrade' });
    const p102 = effectivePolicy(config, 102);
    expect(p102.appRunners).toEqual([{ id: 'npm', options: { global: true, allow_major: true } }]);
    expect(p102.osRunnerOptions).toEqual({ lock_timeout_s: 5 });
  });

  it('never treats os runner option blocks as app runners', async () => {
    const config = await loadConfig(
      await configDir({
        'global.yml': 'defaults:\n  runners:\n    apt: { mode: full-upgrade }\n',
        'containers/101.yml': 'runners:\n  os: dnf\n',
      }),
    );
    // Which ids are os runners is what the installed plugins declare (kind), not a list in the engine.
    const osRunner = (id: string): RunnerCatalogEntry => ({ id, kind: 'os', optionsSchema: Type.Object({}) });
    validateRunnerOptions(
      config,
      new Map([
        ['apt', osRunner('apt')],
        ['dnf', osRunner('dnf')],
      ]),
    );
    const p = effectivePolicy(config, 101);
    expect(p.osRunner).toBe('dnf');
    expect(p.appRunners).toEqual([]);
    expect(p.osRunnerOptions).toEqual({});
  });

  it('keeps the documented defaults in CONFIG_DEFAULTS', () => {
    expect(CONFIG_DEFAULTS).toMatchObject({
      max_concurrency: 2,
      retries: 1,
      osRunner: 'apt',
      timeouts: { preflight: 30, detect: 60, check: 600, plan: 60, apply: 3600 },
    });
  });
});
