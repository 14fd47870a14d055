import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bindFleet,
  ConfigError,
  effectivePolicy,
  loadConfig,
  validateCommandAllowlist,
  validateRunnerOptions,
} from '../../src/config/index.js';
import { discoverRunnerCatalog, REPO_ROOT } from './helpers.js';

const EXAMPLES = join(REPO_ROOT, 'examples');
const REFERENCED = ['apt', 'npm', 'pip', 'custom'];

describe('examples/', () => {
  it('loads cleanly against the policy schemas', async () => {
    const config = await loadConfig(EXAMPLES);
    expect(config.globalFile).toBe(join(EXAMPLES, 'global.yml'));
    expect([...config.containers.keys()].sort()).toEqual([101, 102, 110]);
    expect(config.groups.map((g) => [g.name, g.selectors])).toEqual([['web', { tags: ['web'], names: ['web-*'] }]]);
  });

  it('validates against the runner plugins discovered in plugins/runner-*', async () => {
    const catalog = await discoverRunnerCatalog();
    expect(catalog.has('apt'), 'runner-apt must be built (npx tsc -p plugins/runner-apt)').toBe(true);
    const config = await loadConfig(EXAMPLES);
    const missing = REFERENCED.filter((id) => !catalog.has(id));
    if (missing.length === 0) {
      expect(() => validateRunnerOptions(config, catalog)).not.toThrow();
      // Every hook and custom command of the examples is on the example allowlist.
      expect(() => validateCommandAllowlist(config, catalog)).not.toThrow();
      return;
    }
    // Plugins whose dist is not built yet can only show up as unknown runners; nothing else may fail.
    let problems: ConfigError['problems'] = [];
    try {
      validateRunnerOptions(config, catalog);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems = e.problems;
    }
    const unknown = problems.map((p) => /^unknown runner '([^']+)'/.exec(p.message)?.[1]);
    expect(unknown.length).toBeGreaterThan(0);
    expect(
      unknown.every((id) => id !== undefined && missing.includes(id)),
      JSON.stringify(problems),
    ).toBe(true);
  });

  it('yields the documented effective policies', async () => {
    const catalog = await discoverRunnerCatalog();
    const config = await loadConfig(EXAMPLES);
    // web.yml selects by tag and name: 101 carries the tag web, 102 and 110 are not web containers.
    bindFleet(config, [
      { vmid: 101, name: 'app-101', tags: ['web'] },
      { vmid: 102, name: 'py-app', tags: [] },
      { vmid: 110, name: 'app-110', tags: ['db'] },
    ]);
    const p101 = effectivePolicy(config, 101, catalog);
    expect(p101).toMatchObject({ enabled: true, osRunner: 'apt', retries: 2, hasFile: true, risk: 'low' });
    expect(p101.groupFiles).toEqual([join(EXAMPLES, 'containers/web.yml')]);
    expect(p101.backup).toMatchObject({ keep: 5 });
    expect(p101.osRunnerOptions).toMatchObject({ mode: 'full-upgrade', lock_timeout_s: 120 });
    expect(p101.appRunners.map((r) => r.id)).toEqual(['npm']);
    expect(p101.appRunners[0]?.options).toMatchObject({ projects: ['/opt/web-app'] });
    expect(p101.exclusions).toEqual(['linux-image-*', 'postgresql-1*', 'certbot', 'nginx', '@types/*']);
    expect(p101.timeoutsMs).toEqual({
      preflight: 30_000,
      detect: 60_000,
      check: 600_000,
      plan: 60_000,
      apply: 1_800_000,
      backup: 1_800_000,
      verify: 600_000,
      rollback: 1_800_000,
    });
    const p102 = effectivePolicy(config, 102, catalog);
    expect(p102).toMatchObject({ osRunner: 'apt', osRunnerOptions: { mode: 'upgrade', lock_timeout_s: 120 }, retries: 1 });
    expect(p102.appRunners).toEqual([{ id: 'pip', options: expect.objectContaining({ venvs: ['/opt/py-app/venv'] }) }]);
    expect(p102.timeoutsMs.check).toBe(300_000);
    expect(p102).toMatchObject({ risk: 'normal', groupFiles: [] });
  });
});
