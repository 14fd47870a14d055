import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runUnrot } from '@unrot/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryHost } from '../../packages/engine/src/host/memory-host.js';
import { composeNotification } from '../../packages/engine/src/notify/compose-message.js';
import { computeSeverity } from '../../packages/engine/src/notify/severity.js';
import { EXIT_CODES } from '../../packages/engine/src/report/exit-codes.js';
import { type MemoryCases, memCt, memoryCases } from '../../packages/engine/test/lifecycle/fake-host-harness.js';

// Symptom (issue 12): a container whose package source is unreachable is skipped and the run exits
// 0; a fleet whose containers never get updates looks green. Now the skip is classed `attention`,
// counted, raises the notification to degraded and the run exits 6. Benign skips stay 0.

let cases: MemoryCases;

beforeAll(async () => {
  cases = await memoryCases();
});

const policy = (n: number, sources: string) =>
  `runners:\n  file-copy:\n    source: DIR/src${n}\n    target: DIR/dst${n}\n    sources: ${sources}\n`;

describe('skips that need an operator are not green', () => {
  it('an unreachable package source: skipClass attention, counted, degraded notification, exit 6', async () => {
    const dir = await cases.setup('', {
      101: policy(1, '[{ host: 10.0.0.9, port: 80 }]'),
      102: `enabled: false\n`,
    });
    await writeFile(
      join(dir, 'config/global.yml'),
      `state_dir: ${join(dir, 'state')}\ndefaults:\n  backup: { mode: none }\n  runners: { os: none }\n  retries: 0\npreflight: { max_load: 100000 }\n`,
    );
    const host = new MemoryHost({
      containers: [memCt(101, 'running', { [join(dir, 'src1')]: 'v2\n', [join(dir, 'dst1')]: 'v1\n' }), memCt(102), memCt(103, 'stopped')],
      // The mirror refuses connections from inside CT 101 (bash's /dev/tcp probe under timeout).
      exec: ({ argv }) =>
        argv[0] === 'timeout' && argv.includes('bash')
          ? { exitCode: 1, stdout: '', stderr: 'unrot-probe: connect: Connection refused\n' }
          : undefined,
    });

    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [cases.pluginRoot], host });

    const byId = new Map(run.report.containers.map((c) => [c.vmid, c]));
    expect(byId.get(101)).toMatchObject({ outcome: 'skipped', skipReason: 'unreachable', skipClass: 'attention' });
    expect(byId.get(102)).toMatchObject({ outcome: 'skipped', skipReason: 'disabled', skipClass: 'benign' });
    expect(byId.get(103)).toMatchObject({ outcome: 'skipped', skipReason: 'stopped', skipClass: 'benign' });
    expect(host.files(101)[join(dir, 'dst1')]).toBe('v1\n');
    expect(run.report.summary.needsAttention).toBe(1);
    expect(run.exitCode).toBe(EXIT_CODES.NEEDS_ATTENTION);
    const verdict = computeSeverity(run.report);
    expect(verdict).toMatchObject({ severity: 'degraded' });
    expect(verdict.reason).toContain('CT 101 unreachable');
    const message = await composeNotification(run.report, verdict);
    expect(message.title).toContain('1 needs attention');
    expect(message.text).toContain('Needs attention:');
    expect(message.text).toMatch(/CT 101 .*skipped \(unreachable\)/);
  });

  it('benign skips only (disabled, stopped): exit 0, success', async () => {
    const dir = await cases.setup('', { 102: `enabled: false\n` });
    await writeFile(
      join(dir, 'config/global.yml'),
      `state_dir: ${join(dir, 'state')}\ndefaults:\n  backup: { mode: none }\n  runners: { os: none }\npreflight: { max_load: 100000 }\n`,
    );
    const host = new MemoryHost({ containers: [memCt(102), memCt(103, 'stopped')] });
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [cases.pluginRoot], host });
    expect(run.report.containers.every((c) => c.skipClass === 'benign')).toBe(true);
    expect(run.report.summary.needsAttention).toBe(0);
    expect(run.exitCode).toBe(EXIT_CODES.OK);
    expect(computeSeverity(run.report).severity).toBe('success');
  });

  it('a container held by a foreign Proxmox lock (a vzdump job): locked is attention, exit 6', async () => {
    const dir = await cases.setup('', {});
    await writeFile(
      join(dir, 'config/global.yml'),
      `state_dir: ${join(dir, 'state')}\ndefaults:\n  backup: { mode: none }\n  runners: { os: none }\npreflight: { max_load: 100000 }\n`,
    );
    const host = new MemoryHost({ containers: [{ ...memCt(101), lock: 'backup' }] });
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [cases.pluginRoot], host });
    expect(run.report.containers[0]).toMatchObject({ skipReason: 'locked', skipClass: 'attention' });
    expect(run.exitCode).toBe(EXIT_CODES.NEEDS_ATTENTION);
  });
});
