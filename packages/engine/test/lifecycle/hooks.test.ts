import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runUnrot } from '@unrot/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyPolicy, type FakeHost, fakeCt, fakeHost } from './fake-host-harness.js';

// pre_update / post_update hooks through the real engine: order around apply, plan output,
// a failing hook, and nothing run when there is nothing to update.
let host: FakeHost;
beforeAll(async () => {
  host = await fakeHost();
});
afterAll(() => host.restore());

const GLOBAL = 'state_dir: STATE\ncommand_allowlist: [cp, "false"]\ndefaults:\n  backup:\n    mode: none\n  runners:\n    os: none\n';
const hooks = (post: string) =>
  `${copyPolicy(1)}pre_update:\n  - argv: [cp, DIR/dst1, DIR/pre-saw]\npost_update:\n  - argv: [cp, DIR/dst1, DIR/post-saw]\n${post}`;

async function setup(policy: string, src = 'v2\n'): Promise<string> {
  const dir = await host.setup({ containers: [fakeCt(101)] }, GLOBAL, { 101: policy });
  await writeFile(join(dir, 'src1'), src);
  await writeFile(join(dir, 'dst1'), 'v1\n');
  return dir;
}

describe('pre_update / post_update hooks', () => {
  it('run in order around apply: pre sees the old state, post the new one', async () => {
    const dir = await setup(hooks(''));
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [host.pluginRoot] });
    const ct = run.report.containers[0];
    expect(ct?.outcome).toBe('updated');
    expect(await readFile(join(dir, 'pre-saw'), 'utf8')).toBe('v1\n');
    expect(await readFile(join(dir, 'post-saw'), 'utf8')).toBe('v2\n');
    expect(ct?.hooks?.preUpdate).toEqual([
      expect.objectContaining({ argv: ['cp', join(dir, 'dst1'), join(dir, 'pre-saw')], planned: false, exitCode: 0 }),
    ]);
    expect(ct?.hooks?.postUpdate[0]).toMatchObject({ planned: false, exitCode: 0 });
    // Two hooks and the runner's copy are the changing commands.
    expect(ct?.changingCommands).toBe(3);
  });

  it('a plan lists each hook with its exact host argv and runs none', async () => {
    const dir = await setup(hooks(''));
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: true, pluginRoots: [host.pluginRoot] });
    const ct = run.report.containers[0];
    expect(ct?.outcome).toBe('planned');
    expect(ct?.hooks?.preUpdate[0]).toEqual({
      argv: ['cp', join(dir, 'dst1'), join(dir, 'pre-saw')],
      hostArgv: ['pct', 'exec', '101', '--', 'cp', join(dir, 'dst1'), join(dir, 'pre-saw')],
      planned: true,
    });
    await expect(readFile(join(dir, 'pre-saw'))).rejects.toThrow(/ENOENT/);
    await expect(readFile(join(dir, 'post-saw'))).rejects.toThrow(/ENOENT/);
  });

  it('a failing post_update hook fails the container with E_HOOK_FAILED at post-update', async () => {
    const dir = await setup(hooks('').replace('post_update:\n', 'post_update:\n  - argv: ["false"]\n'));
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [host.pluginRoot] });
    const ct = run.report.containers[0];
    expect(ct?.outcome).toBe('failed');
    expect(ct?.error).toMatchObject({ step: 'post-update', code: 'E_HOOK_FAILED' });
    expect(ct?.error?.message).toContain('post-update hook ["false"] exited 1');
    // The second post hook never ran.
    await expect(readFile(join(dir, 'post-saw'))).rejects.toThrow(/ENOENT/);
    expect(ct?.hooks?.postUpdate.map((h) => h.exitCode)).toEqual([1, undefined]);
    expect(run.exitCode).toBe(1);
  });

  it('a failing pre_update hook stops before any runner changes the container', async () => {
    const dir = await setup(hooks('').replace('pre_update:\n', 'pre_update:\n  - argv: ["false"]\n'));
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [host.pluginRoot] });
    const ct = run.report.containers[0];
    expect(ct?.error).toMatchObject({ step: 'pre-update', code: 'E_HOOK_FAILED' });
    expect(await readFile(join(dir, 'dst1'), 'utf8')).toBe('v1\n');
  });

  it("a failing hook's own output is in error.output (issue 12: the failing command's own words)", async () => {
    const dir = await setup(hooks('').replace('pre_update:\n', 'pre_update:\n  - argv: [cp, DIR/no-such-file, DIR/x]\n'));
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [host.pluginRoot] });
    const ct = run.report.containers[0];
    expect(ct?.error).toMatchObject({ step: 'pre-update', code: 'E_HOOK_FAILED' });
    expect(ct?.error?.output?.join('\n')).toMatch(/cp: cannot stat .*no-such-file.*No such file or directory/);
  });

  it('nothing to update: no hook runs', async () => {
    const dir = await setup(hooks(''), 'v1\n');
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [host.pluginRoot] });
    expect(run.report.containers[0]?.outcome).toBe('nothing-to-do');
    expect(run.report.containers[0]?.hooks).toBeUndefined();
    await expect(readFile(join(dir, 'pre-saw'))).rejects.toThrow(/ENOENT/);
  });
});
