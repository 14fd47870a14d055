import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runUnrot } from '@unrot/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { type MemoryExecHandler, MemoryHost } from '../../src/host/memory-host.js';
import type { RunReport } from '../../src/report/run-report.js';
import { type MemoryCases, memCt, memoryCases } from '../lifecycle/fake-host-harness.js';

// Canary pins reach apply (SDK 1.2): a wave held to the canary hands a runner that declares
// `pinsVersions` ctx.exactVersions at plan, so it installs exactly the checked version even when
// the "mirror" publishes a newer one between check and apply. The real engine over the in-memory
// host; runners: pinned-copy (declares it) and file-copy (does not), both fixtures.
const fixtures = fileURLToPath(new URL('../fixtures', import.meta.url));
let cases: MemoryCases;
let pluginRoot: string;

beforeAll(async () => {
  cases = await memoryCases();
  pluginRoot = join(cases.work, 'pin-plugin');
  await mkdir(pluginRoot);
  await writeFile(
    join(pluginRoot, 'package.json'),
    JSON.stringify({
      name: '@unrot-test/pin-fixtures',
      version: '1.0.0',
      unrot: { sdk: 1, runners: [join(fixtures, 'runners/pinned-copy-runner.mjs'), join(fixtures, 'runners/file-copy-runner.mjs')] },
    }),
  );
});

const GLOBAL =
  'max_concurrency: 4\nstate_dir: STATE\ndefaults:\n  backup:\n    mode: snapshot\n  runners:\n    os: none\n' +
  'rollout:\n  waves:\n    - name: canary\n      ids: [101]\n    - name: rest\n      rest: true\n';

const pinnedPolicy = (v: number) =>
  `runners:\n  pinned-copy:\n    source: DIR/offered${v}\n    versions: DIR/versions${v}\n    target: DIR/installed${v}\n`;
const plainPolicy = (v: number) => `runners:\n  file-copy:\n    source: DIR/offered${v}\n    target: DIR/installed${v}\n`;

/**
 * CT 101 (canary) and CT 102 both have demo 1.0 and are offered 1.1. In CT 102 the mirror
 * publishes 1.2 right after check read the offer (apt-daily's `apt-get update` in a real one).
 */
async function twoWaves(policy: (v: number) => string, global = GLOBAL, planAfter = false) {
  const dir = await cases.setup(global, { 101: policy(101), 102: policy(102) });
  const files = (v: number) => ({
    [join(dir, `offered${v}`)]: '1.1\n',
    [join(dir, `versions${v}/demo=1.1`)]: '1.1\n',
    [join(dir, `installed${v}`)]: '1.0\n',
  });
  let published = false;
  const publishAfterCheck: MemoryExecHandler = ({ vmid, argv, container }) => {
    if (vmid !== 102 || published || argv[0] !== 'cat' || argv[1] !== join(dir, 'offered102')) return undefined;
    published = true;
    container.files.set(join(dir, 'offered102'), '1.2\n');
    container.files.set(join(dir, 'versions102/demo=1.2'), '1.2\n');
    return { exitCode: 0, stdout: '1.1\n', stderr: '' };
  };
  const host = new MemoryHost({
    containers: [memCt(101, 'running', files(101)), memCt(102, 'running', files(102))],
    exec: publishAfterCheck,
  });
  const out = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [pluginRoot], host });
  const plan = planAfter ? await runUnrot({ configDir: join(dir, 'config'), dryRun: true, pluginRoots: [pluginRoot], host }) : undefined;
  const installed = (v: number) => host.files(v)[join(dir, `installed${v}`)];
  const copies = (v: number) => host.calls.filter((c) => c.vmid === v && c.op === 'exec' && c.argv?.[0] === 'cp').map((c) => c.argv);
  return { dir, out, plan, installed, copies };
}

const ct = (report: RunReport, vmid: number) => report.containers.find((c) => c.vmid === vmid);

describe('canary pins in apply (pinsVersions / exactVersions)', () => {
  it('a later wave installs exactly the canary version although a newer one was published after its check', async () => {
    const { dir, out, installed, copies } = await twoWaves(pinnedPolicy);
    expect(out.exitCode).toBe(0);
    expect(out.report.rollout?.pins).toEqual({ 'pinned-copy': { demo: ['1.1'] } });
    // The canary is held to nothing: it plans as always (the offered version).
    expect(copies(101)).toEqual([['cp', join(dir, 'offered101'), join(dir, 'installed101')]]);
    // Wave 2: exactly demo=1.1, in the plan the report shows and in what ran.
    expect(copies(102)).toEqual([['cp', join(dir, 'versions102/demo=1.1'), join(dir, 'installed102')]]);
    expect(ct(out.report, 102)?.runners[0]?.plan.map((s) => s.argv)).toEqual(copies(102));
    expect(installed(102)).toBe('1.1\n');
    // verify's check finds 1.2 now: held to the canary, it is withheld, not "still pending".
    expect(ct(out.report, 102)).toMatchObject({ outcome: 'updated' });
    expect(ct(out.report, 102)?.runners[0]?.changed).toEqual([{ name: 'demo', from: '1.0', to: '1.1' }]);
  });

  it('unrot plan during the canary’s soak shows the later wave’s exact command (name=version), and runs nothing', async () => {
    const soaking = GLOBAL.replace('ids: [101]\n', 'ids: [101]\n      soak: 2h\n');
    const { dir, out, plan, installed, copies } = await twoWaves(pinnedPolicy, soaking, true);
    expect(out.report.rollout?.status).toBe('soaking');
    expect(copies(102)).toEqual([]);
    expect(plan?.report.rollout).toMatchObject({ status: 'planned', pins: { 'pinned-copy': { demo: ['1.1'] } } });
    expect(ct(plan?.report as RunReport, 102)?.runners[0]?.plan.map((s) => s.argv)).toEqual([
      ['cp', join(dir, 'versions102/demo=1.1'), join(dir, 'installed102')],
    ]);
    expect(copies(102)).toEqual([]);
    expect(installed(102)).toBe('1.0\n');
  });

  it('a runner without pinsVersions is held at check only: the newer version slips in at apply (the documented limit)', async () => {
    const { out, installed } = await twoWaves(plainPolicy);
    expect(out.exitCode).toBe(0);
    expect(installed(101)).toBe('1.1\n');
    expect(installed(102)).toBe('1.2\n');
    expect(ct(out.report, 102)?.runners[0]?.updates).toEqual([{ name: 'demo', from: '1.0', to: '1.1' }]);
  });
});
