import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS_DRILL_PORTS, APPS_DRILL_ROOT } from './apps-drill-env.js';
import { appsDrillSandbox, type Proc } from './sandbox-harness.js';

// Policy exclusion drills (issue 17, point 2) on the real-LXC sandbox, CT 101 (privileged,
// systemd, web-app.service on this drill's web port; unrot-sandbox-demo 1.0 installed from the
// sandbox's apt repository, 1.1 offered, which rewrites /usr/share/unrot-sandbox-demo/VERSION).
// The `apps` sandbox shared with the sandbox, health, hook and wave drills (apps-drill-env.ts): up once per run,
// reset to the state `up` left before this file.
//   1. exclusions.paths guards that VERSION file: the apt update changes it, the run fails with
//      E_PATH_CHANGED naming the file and both hashes, and the snapshot puts 1.0 back.
//   2. exclusions.services names web-app.service, which restart.units also names: the update is
//      applied, the unit is not restarted (same MainPID, same ActiveEnterTimestamp), and the plan
//      and the report say "not restarted: excluded".

const ROOT = APPS_DRILL_ROOT;
const CONFIG = join(ROOT, 'policy-config');
const STATE = join(ROOT, 'policy-state');
const WEB_PORT = APPS_DRILL_PORTS.web;
const VERSION_FILE = '/usr/share/unrot-sandbox-demo/VERSION';
const { pct, unrot, inCt, upOrReset } = appsDrillSandbox({ config: CONFIG });

interface Report {
  exitCode: number;
  containers: Array<{
    vmid: number;
    outcome: string;
    error?: { step: string; code: string; message: string };
    rollback?: { reason: string; running: boolean; to: string };
    backup?: { name?: string };
    guardedPaths?: { planned: boolean; paths: Array<{ path: string; before?: string; after?: string }> };
    restart?: { planned: boolean; units: Array<{ unit: string; argv: string[] }>; excluded?: string[] };
    runners: Array<{ id: string; changed: Array<{ name: string; from: string | null; to: string }> }>;
  }>;
}

const timings: Record<string, number> = {};
const reportOf = (p: Proc, code: number): Report => {
  if (p.code !== code) throw new Error(`unrot exited ${p.code} (expected ${code})\n${p.stderr.slice(-4000)}\n${p.stdout.slice(0, 4000)}`);
  return JSON.parse(p.stdout) as Report;
};
const ct101 = (r: Report) => r.containers.find((c) => c.vmid === 101);
// biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
const demoVersion = async () => (await inCt(101, 'dpkg-query', '-W', '-f=${Version}', 'unrot-sandbox-demo')).trim();
const sha256 = async (path: string) => `sha256:${(await inCt(101, 'sha256sum', path)).split(' ')[0]}`;
/** What a restart would change: systemd's own record of the unit's process and when it became active. */
const unitState = async () =>
  (await inCt(101, 'systemctl', 'show', 'web-app.service', '-p', 'MainPID', '-p', 'ActiveEnterTimestamp', '-p', 'NRestarts')).trim();

async function webHealth(): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${WEB_PORT}/health`, { signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return res.status;
}

/** global.yml and containers/101.yml: apt only (the drills are about the policy, not the runners). */
async function writeConfig(container: string[], global: string[] = []): Promise<void> {
  const sandboxGlobal = await readFile(join(ROOT, 'unrot-config/global.yml'), 'utf8');
  const node = /^node: (\S+)/m.exec(sandboxGlobal)?.[1] ?? 'vm';
  await mkdir(join(CONFIG, 'containers'), { recursive: true });
  await writeFile(
    join(CONFIG, 'global.yml'),
    [
      `node: ${node}`,
      `state_dir: ${STATE}`,
      'defaults:',
      '  runners:',
      '    os: apt',
      '  backup:',
      '    mode: snapshot',
      '    keep: 2',
      'targets:',
      '  allow: [101]',
      '# The test machine is shared with other drills: its load is not under test here.',
      'preflight:',
      '  max_load: 1000',
      ...global,
      '',
    ].join('\n'),
  );
  await writeFile(join(CONFIG, 'containers/101.yml'), ['runners:', '  os: apt', ...container, ''].join('\n'));
}

beforeAll(async () => {
  const ready = await upOrReset();
  timings[`sandbox ${ready.how}`] = ready.ms;
  await rm(STATE, { recursive: true, force: true });
  await rm(CONFIG, { recursive: true, force: true });
});

afterAll(() => {
  console.log(`policy drill timings (ms): ${JSON.stringify(timings)}`);
});

describe('policy exclusions on CT 101', () => {
  it('exclusions.paths: an apt update that rewrites a guarded file fails with E_PATH_CHANGED and is rolled back', async () => {
    await writeConfig(['exclusions:', `  paths: [${VERSION_FILE}, /etc/hostname]`]);
    expect(await demoVersion()).toBe('1.0');
    const before = await sha256(VERSION_FILE);
    const hostname = await sha256('/etc/hostname');

    // The plan says which paths are guarded, and reads none of them.
    const p = await unrot('plan', '--json');
    timings['path drill: plan'] = p.ms;
    expect(ct101(reportOf(p, 0))?.guardedPaths).toEqual({ planned: true, paths: [{ path: VERSION_FILE }, { path: '/etc/hostname' }] });

    const r = await unrot('run', '--json');
    timings['path drill: run'] = r.ms;
    const c = ct101(reportOf(r, 1));
    expect(c).toMatchObject({ outcome: 'rolled-back', error: { step: 'apply', code: 'E_PATH_CHANGED' } });
    expect(c?.runners.find((x) => x.id === 'apt')?.changed).toContainEqual(
      expect.objectContaining({ name: 'unrot-sandbox-demo', from: '1.0', to: '1.1' }),
    );
    // The error names the file with its hash before (1.0's) and after (1.1's); the unchanged one is not named.
    expect(c?.error?.message).toMatch(new RegExp(`${VERSION_FILE}: ${before} → sha256:[0-9a-f]{64}`));
    expect(c?.error?.message).not.toContain('/etc/hostname');
    const changedTo = c?.guardedPaths?.paths[0]?.after;
    expect(changedTo).not.toBe(before);
    expect(c?.guardedPaths).toEqual({
      planned: false,
      paths: [
        { path: VERSION_FILE, before, after: changedTo },
        { path: '/etc/hostname', before: hostname, after: hostname },
      ],
    });
    expect(c?.rollback).toMatchObject({ running: true, to: c?.backup?.name });
    expect(c?.rollback?.reason).toMatch(/^E_PATH_CHANGED: /);
    // The container itself: 1.0 back, the file as before, the app up.
    expect(await demoVersion()).toBe('1.0');
    expect(await sha256(VERSION_FILE)).toBe(before);
    expect((await inCt(101, 'cat', VERSION_FILE)).trim()).toBe('1.0');
    expect((await pct('status', '101')).stdout.trim()).toBe('status: running');
    // What an operator reads (`unrot report`: the stored report of this run, printed as text).
    const shown = (await unrot('report')).stdout;
    expect(shown).toContain(`guarded ${VERSION_FILE}: CHANGED ${before} → ${changedTo}`);
    expect(shown).toContain('guarded /etc/hostname: unchanged');
  });

  it('exclusions.services: web-app.service is not restarted although restart.units names it; the update is applied', async () => {
    const restart = ['restart:', '  units: [web-app.service]', '  wait_active_s: 30'];
    // Without the exclusion the plan restarts the unit after the update: what the exclusion prevents.
    await writeConfig(restart);
    const control = ct101(reportOf(await unrot('plan', '--json'), 0));
    expect(control?.restart?.units.map((u) => u.argv)).toEqual([['systemctl', 'restart', 'web-app.service']]);
    expect(control?.restart?.excluded).toBeUndefined();

    // The global list holds it (a container adds to it, never removes from it).
    await writeConfig(restart, ['exclusions:', '  services: [web-app.service]']);
    const p = await unrot('plan', '--json');
    timings['service drill: plan'] = p.ms;
    expect(ct101(reportOf(p, 0))?.restart).toMatchObject({ planned: true, units: [], excluded: ['web-app.service'] });

    const unitBefore = await unitState();
    expect(unitBefore).toMatch(/^MainPID=[1-9]\d*$/m);
    expect(await webHealth()).toBe(200);
    const r = await unrot('run', '--json');
    timings['service drill: run'] = r.ms;
    const c = ct101(reportOf(r, 0));
    expect(c?.outcome).toBe('updated');
    expect(c?.runners.find((x) => x.id === 'apt')?.changed).toContainEqual(
      expect.objectContaining({ name: 'unrot-sandbox-demo', from: '1.0', to: '1.1' }),
    );
    expect(c?.restart).toMatchObject({ planned: false, units: [], excluded: ['web-app.service'] });
    expect(await demoVersion()).toBe('1.1');
    // systemd's own record: the same process, active since the same moment, never restarted.
    expect(await unitState()).toBe(unitBefore);
    expect(await webHealth()).toBe(200);
    expect((await unrot('report')).stdout).toContain('web-app.service: not restarted: excluded (exclusions.services)');
  });
});
