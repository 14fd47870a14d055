// Loops over every plugin under plugins/ (no list to keep in sync): checks its package
// metadata and runs the SDK contract kit on each runner it declares, imported from the
// built dist exactly as the engine will load it. Run the build first (`npx tsc -p plugins/<dir>`).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TSchema } from '@sinclair/typebox';
import type { Notifier, Probe, Runner } from '@unrot/sdk';
import {
  type NotifierScenario,
  type ProbeScenario,
  type RunnerScenario,
  runNotifierContract,
  runProbeContract,
  runRunnerContract,
} from '@unrot/sdk/testing';
import { describe, expect, it } from 'vitest';

const PLUGINS = join(import.meta.dirname, '..', 'plugins');

interface PluginPackage {
  name?: unknown;
  keywords?: unknown;
  engines?: { node?: unknown };
  oclif?: unknown;
  unrot?: { sdk?: unknown; runners?: unknown; probes?: unknown; notifiers?: unknown };
  peerDependencies?: Record<string, unknown>;
}

const dirs = readdirSync(PLUGINS, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(PLUGINS, d.name, 'package.json')))
  .map((d) => d.name)
  .sort();

it('finds plugins under plugins/', () => {
  expect(dirs.length).toBeGreaterThan(0);
});

/** Imports a module, keeping the error so it fails a named test instead of the whole file. */
async function load(file: string): Promise<{ module?: Record<string, unknown>; error?: unknown }> {
  try {
    return { module: (await import(pathToFileURL(file).href)) as Record<string, unknown> };
  } catch (error) {
    return { error };
  }
}

for (const dir of dirs) {
  const root = join(PLUGINS, dir);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PluginPackage;
  const runnerFiles = Array.isArray(pkg.unrot?.runners) ? (pkg.unrot.runners as unknown[]) : [];
  const scenariosFile = join(root, 'test', 'fixtures', 'contract-scenarios.json');
  const loaded = await Promise.all(
    runnerFiles.map((f) => (typeof f === 'string' ? load(join(root, f)) : { error: new Error(`not a path: ${String(f)}`) })),
  );
  // Probes and notifiers: scenarios start real servers, so they live in test/contract-scenarios.ts (exporting `scenarios`).
  const liveScenariosFile = join(root, 'test', 'contract-scenarios.ts');
  const probeFiles = Array.isArray(pkg.unrot?.probes) ? (pkg.unrot.probes as unknown[]) : [];
  const loadedProbe = probeFiles.length === 1 && typeof probeFiles[0] === 'string' ? await load(join(root, probeFiles[0])) : undefined;
  const notifierFiles = Array.isArray(pkg.unrot?.notifiers) ? (pkg.unrot.notifiers as unknown[]) : [];
  const loadedNotifier =
    notifierFiles.length === 1 && typeof notifierFiles[0] === 'string' ? await load(join(root, notifierFiles[0])) : undefined;
  const liveScenarios = existsSync(liveScenariosFile) && (loadedProbe || loadedNotifier) ? await load(liveScenariosFile) : undefined;

  describe(`plugin ${dir}`, () => {
    it('has the package metadata the engine and oclif rely on', () => {
      expect(pkg.name).toBe(`@unrot/${dir}`);
      expect(pkg.unrot?.sdk).toBe(1);
      // A caret range on the SDK's major (at the minor whose exports it uses), so any later 1.y.z
      // satisfies it; the engine refuses other majors.
      expect(pkg.peerDependencies?.['@unrot/sdk']).toMatch(/^\^1\.\d+\.\d+$/);
      expect(typeof pkg.oclif === 'object' && pkg.oclif !== null, 'an oclif block').toBe(true);
      // No oclif commands, so none declared: a `commands` directory without a shipped
      // oclif.manifest.json makes every start of a full unrot glob it (docs/plugin-authoring.md).
      expect((pkg.oclif as { commands?: unknown }).commands, 'oclif.commands without commands').toBeUndefined();
      expect(pkg.keywords).toEqual(expect.arrayContaining(['oclif-plugin', 'unrot-plugin']));
      expect(typeof pkg.engines?.node).toBe('string');
      expect(existsSync(join(root, 'readme.md')), 'a readme.md').toBe(true);
      const declared = ['runners', 'probes', 'notifiers'].filter((k) => Array.isArray(pkg.unrot?.[k as 'runners']));
      expect(declared.length, 'unrot.runners, unrot.probes or unrot.notifiers').toBeGreaterThan(0);
    });

    // No contract kit exists for these yet: fail loudly rather than let them pass untested.
    if (probeFiles.length > 0) {
      it('declares one probe and loads it from the build', () => {
        expect(probeFiles.length).toBe(1);
        expect(loadedProbe?.error, String(loadedProbe?.error)).toBeUndefined();
        expect(loadedProbe?.module?.['probe']).toBe(loadedProbe?.module?.['default']);
        expect((loadedProbe?.module?.['default'] as Probe | undefined)?.id).toBe(dir.replace(/^probe-/, ''));
      });
      it('has contract scenarios (test/contract-scenarios.ts exports `scenarios`)', () => {
        expect(liveScenarios?.error, String(liveScenarios?.error)).toBeUndefined();
        expect(Array.isArray(liveScenarios?.module?.['scenarios'])).toBe(true);
      });
      const probe = loadedProbe?.module?.['default'] as Probe<TSchema> | undefined;
      const sc = liveScenarios?.module?.['scenarios'] as ProbeScenario[] | undefined;
      if (probe && sc) runProbeContract(probe, sc);
    }

    if (notifierFiles.length > 0) {
      it('declares one notifier and loads it from the build', () => {
        expect(notifierFiles.length).toBe(1);
        expect(loadedNotifier?.error, String(loadedNotifier?.error)).toBeUndefined();
        expect(loadedNotifier?.module?.['notifier']).toBe(loadedNotifier?.module?.['default']);
        expect((loadedNotifier?.module?.['default'] as Notifier | undefined)?.id).toBe(dir.replace(/^notifier-/, ''));
      });
      it('has contract scenarios (test/contract-scenarios.ts exports `scenarios`)', () => {
        expect(liveScenarios?.error, String(liveScenarios?.error)).toBeUndefined();
        expect(Array.isArray(liveScenarios?.module?.['scenarios'])).toBe(true);
      });
      const notifier = loadedNotifier?.module?.['default'] as Notifier<TSchema> | undefined;
      const sc = liveScenarios?.module?.['scenarios'] as NotifierScenario[] | undefined;
      if (notifier && sc) runNotifierContract(notifier, sc);
    }

    if (runnerFiles.length === 0) return;
    if (runnerFiles.length > 1) {
      it('declares one runner per plugin (the scenario file convention covers one)', () => {
        throw new Error(`${dir} declares ${runnerFiles.length} runners; define where each one's contract scenarios live first`);
      });
      return;
    }

    const [{ module, error }] = loaded as [{ module?: Record<string, unknown>; error?: unknown }];
    it(`loads ${String(runnerFiles[0])} from the build`, () => {
      expect(error, `import failed (did the build run?): ${String(error)}`).toBeUndefined();
      expect(module?.default, 'default export').toBeDefined();
      expect(module?.runner, 'the runner is exported both as default and as `runner`').toBe(module?.default);
      expect((module?.default as Runner | undefined)?.id).toBe(dir.replace(/^runner-/, ''));
    });

    it('has contract scenarios from real captures covering every required situation', () => {
      expect(existsSync(scenariosFile), `${scenariosFile}`).toBe(true);
      const scenarios = JSON.parse(readFileSync(scenariosFile, 'utf8')) as RunnerScenario[];
      for (const s of scenarios) {
        expect(s.source.trim().length, `${s.name}: source says where/when/how it was captured`).toBeGreaterThan(20);
        expect(s.recordings.length, `${s.name}: recordings`).toBeGreaterThan(0);
      }
      expect(
        scenarios.some((s) => (s.expect.updates ?? 0) > 0),
        'updates pending',
      ).toBe(true);
      expect(
        scenarios.some((s) => s.expect.applicable && s.expect.updates === 0),
        'nothing pending',
      ).toBe(true);
      expect(
        scenarios.some((s) => !s.expect.applicable),
        'ecosystem absent',
      ).toBe(true);
      expect(
        scenarios.some((s) => (s.expect.withheld ?? []).length > 0),
        'an exclusion withheld',
      ).toBe(true);
      expect(
        scenarios.some((s) => s.expect.checkErrorCode),
        'a failing check',
      ).toBe(true);
    });

    const runner = module?.default as Runner<TSchema> | undefined;
    if (runner && existsSync(scenariosFile)) {
      runRunnerContract(runner, JSON.parse(readFileSync(scenariosFile, 'utf8')) as RunnerScenario[]);
    }
  });
}
