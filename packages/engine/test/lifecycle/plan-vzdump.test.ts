import { join } from 'node:path';
import { runUnrot } from '@unrot/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryHost } from '../../src/host/memory-host.js';
import { PctHost } from '../../src/host/pct-host.js';
import { copyPolicy, type MemoryCases, memCt, memoryCases } from './fake-host-harness.js';

// Issue 17 point 6: when backups are vzdump archives, `unrot plan` prints the exact vzdump
// command `unrot run` would start (storage, mode, compress and notes from the policy).
let cases: MemoryCases;
beforeAll(async () => {
  cases = await memoryCases();
});

describe('plan with backup.mode vzdump', () => {
  it('shows the exact vzdump argv, the one the pct host runs', async () => {
    const global =
      'state_dir: STATE\ndefaults:\n  backup:\n    mode: vzdump\n    vzdump_storage: local\n    vzdump_mode: suspend\n    vzdump_compress: gzip\n  runners:\n    os: none\n';
    const dir = await cases.setup(global, { 101: copyPolicy(1) });
    const host = new MemoryHost({ containers: [memCt(101, 'running', { [join(dir, 'src1')]: 'v2\n', [join(dir, 'dst1')]: 'v1\n' })] });
    const plan = await runUnrot({ configDir: join(dir, 'config'), dryRun: true, pluginRoots: [cases.pluginRoot], host });
    const backup = plan.report.containers[0]?.backup;
    const argv = [
      'vzdump',
      '101',
      '--storage',
      'local',
      '--mode',
      'suspend',
      '--compress',
      'gzip',
      '--notes-template',
      `unrot run ${plan.report.runId}`,
    ];
    expect(backup).toEqual({ kind: 'vzdump', planned: true, hostArgv: argv });
    // The same builder the real pct host runs vzdump with.
    expect(
      new PctHost().vzdumpArgv(101, { storage: 'local', mode: 'suspend', compress: 'gzip', notes: `unrot run ${plan.report.runId}` }),
    ).toEqual(argv);
    expect(host.ops('vzdump')).toEqual([]);
  });
});
