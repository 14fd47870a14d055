import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverRunners, EngineEvents, effectivePolicy, MemoryHost, prepare, runUnrot } from '@unrot/engine';
import { exitCodeFor } from '@unrot/engine/exit-codes';
import { beforeAll, describe, expect, it } from 'vitest';

// The acceptance test of "every ecosystem is a plugin" for OS runners: runner-zypper-fake (a test
// plugin built only against @unrot/sdk, test/fixtures/runner-zypper-fake) is accepted as
// `runners.os: zypper` by validate/prepare, and a plan and a run reach its detect, check, plan and
// apply. Nothing in the engine names it: installing it is listing its directory as a plugin root.
const here = dirname(fileURLToPath(import.meta.url));
const zypperRoot = join(here, '../fixtures/runner-zypper-fake');
const aptRoot = join(here, '../../../../plugins/runner-apt');
const STATE = '/var/lib/zypper-fake/state';
let work: string;

async function configDir(global: string, containers: Record<number, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(work, 'config-'));
  await mkdir(join(dir, 'containers'));
  await writeFile(join(dir, 'global.yml'), global);
  for (const [vmid, body] of Object.entries(containers)) await writeFile(join(dir, 'containers', `${vmid}.yml`), body);
  return dir;
}

const global = (stateDir: string) =>
  [
    `state_dir: ${stateDir}`,
    'exclusions:',
    '  packages: [kernel-*]',
    'preflight:',
    '  max_load: 100000',
    '  network: false',
    'defaults:',
    '  runners:',
    '    os: zypper',
    `    zypper: { state_file: ${STATE} }`,
    '',
  ].join('\n');

/** One openSUSE container whose fake package database has two updates pending, one of them excluded. */
function suseHost(): MemoryHost {
  const host = new MemoryHost({
    containers: [
      {
        vmid: 101,
        name: 'suse',
        ostype: 'opensuse',
        files: { [STATE]: 'libzypp 17.31.1 17.31.2\nvim 9.0 9.0\nkernel-default 6.4.0 6.5.0\n' },
      },
    ],
  });
  // A stand-in for zypper itself: `zypper --non-interactive update -- NAME…` moves those packages to their candidate.
  host.onExec(({ argv, container }) => {
    if (argv[0] !== 'zypper') return undefined;
    const names = new Set(argv.slice(argv.indexOf('--') + 1));
    const lines = (container.files.get(STATE) ?? '').split('\n').map((line) => {
      const [name, , to] = line.split(' ');
      return name && to && names.has(name) ? `${name} ${to} ${to}` : line;
    });
    container.files.set(STATE, lines.join('\n'));
    return { exitCode: 0, stdout: `${names.size} packages updated\n`, stderr: '' };
  });
  return host;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'unrot-zypper-'));
});

describe('a third-party os runner (runner-zypper-fake) with no engine change', () => {
  it('is discovered from its plugin root as an os runner with id zypper', async () => {
    const catalog = await discoverRunners([aptRoot, zypperRoot]);
    expect(catalog.get('zypper')).toMatchObject({ id: 'zypper', kind: 'os', plugin: { name: 'runner-zypper-fake', version: '0.1.0' } });
  });

  it('is accepted as runners.os: zypper by prepare (unrot validate), and refused with file:line when not installed', async () => {
    const dir = await configDir(global(join(work, 'state')), { 101: 'runners:\n  os: zypper\n' });
    const prepared = await prepare(dir, [aptRoot, zypperRoot]);
    expect(effectivePolicy(prepared.config, 101)).toMatchObject({
      osRunner: 'zypper',
      osRunnerOptions: { state_file: STATE, non_interactive: true },
      appRunners: [],
    });

    let error: unknown;
    await prepare(dir, [aptRoot]).catch((e: unknown) => {
      error = e;
    });
    expect(error).toMatchObject({ code: 'E_CONFIG' });
    expect((error as { problems: Array<{ file: string; line?: number; message: string }> }).problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file: join(dir, 'global.yml'),
          line: 9,
          message: "os runner 'zypper' is not installed (installed os runners: apt)",
        }),
        expect.objectContaining({ file: join(dir, 'containers/101.yml'), line: 2, message: expect.stringContaining("os runner 'zypper'") }),
      ]),
    );
    expect(exitCodeFor({ error })).toBe(2);
  });

  it('plans through its detect, check and plan, and a run applies it', async () => {
    const dir = await configDir(global(join(work, 'state-run')));
    const host = suseHost();
    const events = new EngineEvents();
    const steps: string[] = [];
    events.on('step:start', (e) => {
      if (e.runner === 'zypper') steps.push(e.step);
    });

    const plan = await runUnrot({ configDir: dir, dryRun: true, pluginRoots: [zypperRoot], host, events, threads: 1 });
    expect(plan.exitCode).toBe(0);
    expect(steps).toEqual(expect.arrayContaining(['detect', 'check', 'plan']));
    const planned = plan.report.containers.find((c) => c.vmid === 101);
    expect(planned?.outcome).toBe('planned');
    expect(planned?.runners).toEqual([
      expect.objectContaining({
        id: 'zypper',
        applicable: true,
        updates: [{ name: 'libzypp', from: '17.31.1', to: '17.31.2', scope: 'system' }],
        withheld: [{ name: 'kernel-default', reason: 'excluded by policy' }],
        plan: [expect.objectContaining({ argv: ['zypper', '--non-interactive', 'update', '--', 'libzypp'] })],
        changed: [],
      }),
    ]);
    // Dry-run: zypper itself never ran.
    expect(host.ops('exec').filter((c) => c.argv?.[0] === 'zypper')).toEqual([]);

    const run = await runUnrot({ configDir: dir, dryRun: false, pluginRoots: [zypperRoot], host, threads: 1 });
    expect(run.exitCode).toBe(0);
    const updated = run.report.containers.find((c) => c.vmid === 101);
    expect(updated?.outcome).toBe('updated');
    expect(updated?.runners[0]?.changed).toEqual([{ name: 'libzypp', from: '17.31.1', to: '17.31.2', scope: 'system' }]);
    expect(host.files(101)[STATE]).toContain('libzypp 17.31.2 17.31.2');
    expect(host.files(101)[STATE]).toContain('kernel-default 6.4.0 6.5.0');
  });
});
