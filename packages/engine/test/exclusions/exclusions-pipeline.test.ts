import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { excludeServices } from '../../src/health/restart-policy.js';
import type { MemoryExecHandler } from '../../src/host/memory-host.js';
import { PATH_STATE_SCRIPT } from '../../src/safety/path-guard.js';
import { fileRunner, pipelineCase, VMID } from '../lifecycle/memory-pipeline.js';

// exclusions.paths and exclusions.services through one container's pipeline on the in-memory
// host. The memory container has no shell: PATH_STATE_SCRIPT is answered here from its files
// (sha256 of the content, or absent), as sha256sum would; path-guard.test.ts runs the script
// itself with dash and busybox sh against real files.

const sha = (body: string) => `sha256:${createHash('sha256').update(body).digest('hex')}`;

const PATH_STATES: MemoryExecHandler = ({ argv, container }) => {
  if (argv[0] !== 'sh' || argv[2] !== PATH_STATE_SCRIPT) return undefined;
  const lines = argv.slice(4).map((p) => {
    const body = container.files.get(p);
    return body === undefined ? 'absent' : sha(body);
  });
  return { exitCode: 0, stdout: lines.map((l) => `${l}\n`).join('') };
};

const SYSTEMCTL: MemoryExecHandler = ({ argv }) => {
  if (argv[0] !== 'systemctl') return undefined;
  if (argv[1] === 'restart') return { exitCode: 0 };
  if (argv[1] === 'is-active') return { exitCode: 0, stdout: 'active\n' };
  return { exitCode: 1 };
};

const handlers =
  (...list: MemoryExecHandler[]): MemoryExecHandler =>
  (call) => {
    for (const h of list) {
      const r = h(call);
      if (r !== undefined) return r;
    }
    return undefined;
  };

/** The runner "os" updates /pkg/os by copying /staged/os over it (memory-pipeline's file runner). */
const guarded = (paths: string[], extra: Parameters<typeof pipelineCase>[0] = {}) =>
  pipelineCase({
    runners: { os: fileRunner('os') },
    host: { exec: handlers(PATH_STATES, SYSTEMCTL) },
    ...extra,
    task: {
      guardedPaths: paths,
      restart: { units: ['web.service'], when: 'changed', waitActiveMs: 1000 },
      ...extra.task,
    },
  });

const execs = (c: Awaited<ReturnType<typeof pipelineCase>>) => c.host.ops('exec').map((o) => (o as { argv: string[] }).argv);
const pathReads = (c: Awaited<ReturnType<typeof pipelineCase>>) => execs(c).filter((a) => a[0] === 'sh' && a[2] === PATH_STATE_SCRIPT);

describe('exclusions.paths', () => {
  it('a guarded file the update changes fails it with E_PATH_CHANGED naming the path, before and after, and it is rolled back', async () => {
    const c = await guarded(['/etc/app.conf', '/pkg/os']);
    c.host.containers.get(VMID)?.files.set('/etc/app.conf', 'port 80\n');
    const report = await c.run();

    expect(report.outcome).toBe('rolled-back');
    expect(report.error).toMatchObject({ step: 'apply', code: 'E_PATH_CHANGED' });
    expect(report.error?.message).toContain(`/pkg/os: ${sha('1.0\n')} → ${sha('2.0\n')}`);
    expect(report.error?.message).not.toContain('/etc/app.conf');
    expect(report.guardedPaths).toEqual({
      planned: false,
      paths: [
        { path: '/etc/app.conf', before: sha('port 80\n'), after: sha('port 80\n') },
        { path: '/pkg/os', before: sha('1.0\n'), after: sha('2.0\n') },
      ],
    });
    expect(report.rollback?.reason).toMatch(/^E_PATH_CHANGED: .*\/pkg\/os/);
    // The snapshot put the file back; restarts and verify never ran.
    expect(c.host.files(VMID)['/pkg/os']).toBe('1.0\n');
    expect(c.started()).toEqual(['preflight', 'detect:os', 'check:os', 'plan:os', 'backup', 'apply', 'apply:os', 'apply', 'rollback']);
    expect(execs(c).some((a) => a[0] === 'systemctl')).toBe(false);
    // One exec before apply, one after: never one per path.
    expect(pathReads(c).map((a) => a.slice(4))).toEqual([
      ['/etc/app.conf', '/pkg/os'],
      ['/etc/app.conf', '/pkg/os'],
    ]);
  });

  it('unchanged guarded files let the update pass: one exec before apply, one after', async () => {
    const c = await guarded(['/etc/app.conf', '/etc/missing']);
    c.host.containers.get(VMID)?.files.set('/etc/app.conf', 'port 80\n');
    const report = await c.run();

    expect(report.error).toBeUndefined();
    expect(report.outcome).toBe('updated');
    expect(report.guardedPaths?.paths).toEqual([
      { path: '/etc/app.conf', before: sha('port 80\n'), after: sha('port 80\n') },
      { path: '/etc/missing', before: 'absent', after: 'absent' },
    ]);
    expect(pathReads(c)).toHaveLength(2);
    // The reads happen right around the runner's apply, before the restart and verify's fresh check.
    const order = execs(c).map((a) => (a[0] === 'sh' ? 'paths' : a[0]));
    expect(order.slice(order.indexOf('paths'))).toEqual(['paths', 'cp', 'paths', 'systemctl', 'systemctl', 'cat', 'cat']);
  });

  it('a guarded file the update creates (absent → created) counts as a change', async () => {
    const os = fileRunner('os');
    // The update also drops a new file into the guarded place.
    const apply = os.apply.bind(os);
    os.apply = async (ctx, plan) => {
      const result = await apply(ctx, plan);
      await ctx.exec.change(['cp', '/staged/os', '/etc/cron.d/new-job']);
      return result;
    };
    const c = await guarded(['/etc/cron.d/new-job'], { runners: { os } });
    const report = await c.run();

    expect(report.outcome).toBe('rolled-back');
    expect(report.error?.code).toBe('E_PATH_CHANGED');
    expect(report.error?.message).toContain(`/etc/cron.d/new-job: absent → ${sha('2.0\n')}`);
    expect(c.host.files(VMID)['/etc/cron.d/new-job']).toBeUndefined();
  });

  it('a deleted guarded file counts as a change', async () => {
    const os = fileRunner('os');
    const apply = os.apply.bind(os);
    os.apply = async (ctx, plan) => {
      const result = await apply(ctx, plan);
      await ctx.exec.change(['rm', '/etc/app.conf']);
      return result;
    };
    const c = await guarded(['/etc/app.conf'], { runners: { os } });
    c.host.containers.get(VMID)?.files.set('/etc/app.conf', 'port 80\n');
    const report = await c.run();
    expect(report.error?.message).toContain(`/etc/app.conf: ${sha('port 80\n')} → absent`);
    expect(c.host.files(VMID)['/etc/app.conf']).toBe('port 80\n');
  });

  it('a plan lists the guarded paths and reads nothing', async () => {
    const c = await guarded(['/etc/app.conf'], { task: { dryRun: true } });
    const report = await c.run();
    expect(report.outcome).toBe('planned');
    expect(report.guardedPaths).toEqual({ planned: true, paths: [{ path: '/etc/app.conf' }] });
    expect(pathReads(c)).toEqual([]);
  });

  it('nothing to update: no exec for the guard (issue 16 counts execs)', async () => {
    const c = await guarded(['/etc/app.conf']);
    c.host.containers.get(VMID)?.files.set('/staged/os', '1.0\n');
    const report = await c.run();
    expect(report.outcome).toBe('nothing-to-do');
    expect(report.guardedPaths).toBeUndefined();
    expect(pathReads(c)).toEqual([]);
  });

  it('output that is not one state line per path is refused, and the update does not start', async () => {
    const c = await guarded(['/etc/a', '/etc/b'], {
      host: {
        exec: handlers(({ argv }) => (argv[0] === 'sh' ? { exitCode: 0, stdout: 'absent\n$(reboot)\n' } : undefined), SYSTEMCTL),
      },
    });
    const report = await c.run();
    expect(report.error).toMatchObject({ step: 'apply', code: 'E_HOST_OUTPUT' });
    expect(report.error?.message).toContain('line 2 is "$(reboot)"');
    expect(execs(c).some((a) => a[0] === 'cp')).toBe(false);
    expect(report.outcome).toBe('rolled-back');
  });
});

describe('exclusions.services', () => {
  it('an excluded unit is never restarted, whatever restart.units says; the report says why', async () => {
    const restart = excludeServices({ units: ['web.service', 'db.service'], when: 'always', waitActiveMs: 1000 }, ['web.service']);
    expect(restart).toEqual({ units: ['db.service'], excluded: ['web.service'], when: 'always', waitActiveMs: 1000 });
    const c = await guarded([], { task: { guardedPaths: [], ...(restart ? { restart } : {}) } });
    const report = await c.run();

    expect(report.outcome).toBe('updated');
    expect(execs(c).filter((a) => a[0] === 'systemctl' && a[1] === 'restart')).toEqual([['systemctl', 'restart', 'db.service']]);
    expect(report.restart?.excluded).toEqual(['web.service']);
    expect(report.restart?.units.map((u) => u.unit)).toEqual(['db.service']);
  });

  it('every unit excluded: the restart step restarts nothing and the plan still names the excluded ones', async () => {
    const restart = excludeServices({ units: ['web.service'], when: 'always', waitActiveMs: 1000 }, ['web.service']);
    const plan = await guarded([], { task: { dryRun: true, guardedPaths: [], ...(restart ? { restart } : {}) } });
    expect((await plan.run()).restart).toMatchObject({ planned: true, units: [], excluded: ['web.service'] });

    const c = await guarded([], { task: { guardedPaths: [], ...(restart ? { restart } : {}) } });
    const report = await c.run();
    expect(report.outcome).toBe('updated');
    expect(execs(c).some((a) => a[0] === 'systemctl')).toBe(false);
    expect(report.restart?.excluded).toEqual(['web.service']);
  });

  it('a task that still lists an excluded unit (built elsewhere) does not restart it either', async () => {
    const c = await guarded([], {
      task: { guardedPaths: [], restart: { units: ['web.service'], excluded: ['web.service'], when: 'always', waitActiveMs: 1000 } },
    });
    const report = await c.run();
    expect(report.outcome).toBe('updated');
    expect(execs(c).some((a) => a[0] === 'systemctl')).toBe(false);
  });
});
