import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Shared set-up for engine tests that run the real engine (config, workers). Most hand runUnrot
// an in-memory host (memoryCase: RunOptions.host, served to the workers over their task ports);
// the tests of the pct adapter inside the pipelines use the minimal pct/pvesh stand-in in
// test/fixtures/fake-host (fakeHost: found on PATH), whose `exec` runs on this machine.
const here = dirname(fileURLToPath(import.meta.url));
const fakePct = join(here, '../fixtures/fake-host/pct');
const runnersDir = join(here, '../fixtures/runners');

export interface FakeHost {
  work: string;
  pluginRoot: string;
  bin: string;
  /** A fresh case: fleet.json for the stand-in, config/global.yml (STATE → its state dir), containers/<vmid>.yml (DIR → the case dir). */
  setup(fleet: object, global: string, containers: Record<number, string>): Promise<string>;
  restore(): void;
}

/** A plugin root declaring the fixture runners (file-copy, misbehaving). */
async function fixturePlugin(work: string): Promise<string> {
  const pluginRoot = join(work, 'plugin');
  await mkdir(pluginRoot);
  await writeFile(
    join(pluginRoot, 'package.json'),
    JSON.stringify({
      name: '@unrot-test/fixture-runners',
      version: '1.0.0',
      unrot: { sdk: 1, runners: [join(runnersDir, 'file-copy-runner.mjs'), join(runnersDir, 'misbehaving-runner.mjs')] },
    }),
  );
  return pluginRoot;
}

/** config/global.yml (STATE → the case's state dir) and containers/<vmid>.yml (DIR → the case dir) in a fresh case dir. */
async function writeCase(work: string, global: string, containers: Record<number, string>): Promise<string> {
  const dir = await mkdtemp(join(work, 'case-'));
  await mkdir(join(dir, 'config/containers'), { recursive: true });
  // The machine's own load is not what these tests are about: backpressure tests set their own limit.
  const text = /^preflight:/m.test(global) ? global : `${global.endsWith('\n') ? global : `${global}\n`}preflight:\n  max_load: 100000\n`;
  await writeFile(join(dir, 'config/global.yml'), text.replaceAll('STATE', join(dir, 'state')));
  for (const [vmid, body] of Object.entries(containers))
    await writeFile(join(dir, `config/containers/${vmid}.yml`), body.replaceAll('DIR', dir));
  return dir;
}

export interface MemoryCases {
  work: string;
  pluginRoot: string;
  /** A fresh case dir holding config/ (see writeCase); the containers live in the MemoryHost the test passes to runUnrot. */
  setup(global: string, containers: Record<number, string>): Promise<string>;
}

/** For tests that hand runUnrot an in-memory host: no pct stand-in, no PATH change. */
export async function memoryCases(): Promise<MemoryCases> {
  const work = await mkdtemp(join(tmpdir(), 'unrot-engine-'));
  const pluginRoot = await fixturePlugin(work);
  return { work, pluginRoot, setup: (global, containers) => writeCase(work, global, containers) };
}

export async function fakeHost(): Promise<FakeHost> {
  const savedPath = process.env['PATH'];
  const work = await mkdtemp(join(tmpdir(), 'unrot-engine-'));
  const pluginRoot = await fixturePlugin(work);
  const bin = join(work, 'bin');
  await mkdir(bin);
  await symlink(fakePct, join(bin, 'pct'));
  await symlink(fakePct, join(bin, 'pvesh'));
  await symlink(fakePct, join(bin, 'pvesm'));
  process.env['PATH'] = `${bin}:${savedPath}`;
  return {
    work,
    pluginRoot,
    bin,
    async setup(fleet, global, containers) {
      await writeFile(join(bin, 'fleet.json'), JSON.stringify(fleet));
      return writeCase(work, global, containers);
    },
    restore() {
      process.env['PATH'] = savedPath;
    },
  };
}

export const fakeCt = (vmid: number, status = 'running', extra: object = {}) => ({
  vmid,
  name: `ct${vmid}`,
  status,
  tags: 'web;prod',
  ...extra,
});
/** A MemoryHost container like fakeCt's (tags web, prod; privileged). */
export const memCt = (vmid: number, status: 'running' | 'stopped' = 'running', files: Record<string, string> = {}) => ({
  vmid,
  status,
  tags: ['web', 'prod'],
  unprivileged: false,
  files,
});
export const copyPolicy = (n: number) => `runners:\n  file-copy:\n    source: DIR/src${n}\n    target: DIR/dst${n}\n`;
