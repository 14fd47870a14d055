import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS_DRILL_ROOT } from './apps-drill-env.js';
import { appsDrillSandbox, ownSnapshots, type Proc, reportOf } from './sandbox-harness.js';

// Hooks with context (issue 17, point 5) on the real-LXC sandbox: CT 101 (Debian 12, systemd,
// unrot-sandbox-demo 1.0 installed from the sandbox's apt repository, 1.1 pending). Real hook
// scripts inside CT 101 keep what unrot told them (UNROT_* and the context file) in /root, a
// host hook keeps the same on the host; the test reads both back. Drills: a veto, the context of
// pre_update / post_update (container and host), and on_rollback / on_failure after the broken
// unrot-sandbox-fragile 1.1 (its postinst fails) was rolled back. The `apps` sandbox shared with
// the sandbox, health, policy and wave drills (apps-drill-env.ts): up once per run, reset to the state `up` left
// before this file.

const ROOT = APPS_DRILL_ROOT;
const CONFIG = join(ROOT, 'hook-config');
const STATE = join(ROOT, 'hook-state');
const HOST_HOOK = join(ROOT, 'bin', 'host-hook');
const HOST_OUT = join(ROOT, 'host-hook.out');
const { pct, unrot, upOrReset } = appsDrillSandbox({ config: CONFIG });
const inCt = async (argv: string[], ok: number[] = [0]): Promise<Proc> => {
  const r = await pct('exec', '101', '--', ...argv);
  if (!ok.includes(r.code)) throw new Error(`pct exec 101 -- ${argv.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r;
};
const timings: Record<string, number> = {};

// biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
const demoVersion = async () => (await inCt(['dpkg-query', '-W', '-f=${Version}', 'unrot-sandbox-demo'])).stdout.trim();

// The hook scripts: each appends its variables, its context file's mode and the file itself to
// /root/hook-<phase>.out (the veto script first, then exits 75 with its reason on stderr).
const RECORD = [
  '#!/bin/sh',
  'out="/root/hook-$UNROT_PHASE.out"',
  '{ env | grep "^UNROT_" | sort; echo "mode=$(stat -c %a "$UNROT_CONTEXT")"; echo "---"; cat "$UNROT_CONTEXT"; } > "$out"',
  '',
].join('\n');
const VETO = `${RECORD}echo "checking the backup window" \necho "nightly backup of the database still running" >&2\nexit 75\n`;

interface HookEntry {
  argv: string[];
  hostArgv: string[];
  planned: boolean;
  where?: string;
  exitCode?: number;
  vetoed?: boolean;
}
interface Report {
  runId: string;
  exitCode: number;
  containers: Array<{
    vmid: number;
    outcome: string;
    skipReason?: string;
    skipDetail?: string;
    error?: { step: string; code: string; message: string };
    hooks?: { preUpdate: HookEntry[]; postUpdate: HookEntry[] };
    runners: Array<{ id: string; changed: Array<{ name: string; from: string | null; to: string }> }>;
  }>;
}
const ct101 = (p: Proc) => reportOf<Report>(p).containers.find((c) => c.vmid === 101);

/** What a recording hook wrote: its variables, its context file's mode, and the context. */
function parseRecord(text: string): { vars: Record<string, string>; mode: string; context: Record<string, unknown> } {
  const [head = '', body = ''] = text.split('\n---\n');
  const vars: Record<string, string> = {};
  let mode = '';
  for (const line of head.split('\n')) {
    if (line.startsWith('mode=')) mode = line.slice(5);
    else if (line.includes('=')) vars[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
  }
  return { vars, mode, context: JSON.parse(body) as Record<string, unknown> };
}

async function writeConfig(hooks: string): Promise<void> {
  await mkdir(join(CONFIG, 'containers'), { recursive: true });
  await writeFile(
    join(CONFIG, 'global.yml'),
    // The test machine's own load is not under test here (backpressure: packages/engine/test/fleet/backpressure.test.ts).
    `state_dir: ${STATE}\ncommand_allowlist: [/usr/local/bin/unrot-hook-record, /usr/local/bin/unrot-hook-veto, ${HOST_HOOK}]\n` +
      'defaults:\n  runners:\n    os: apt\n  backup:\n    mode: snapshot\n    keep: 2\ntargets:\n  allow: [101]\npreflight:\n  max_load: 1000\n',
  );
  await writeFile(join(CONFIG, 'containers/101.yml'), `runners:\n  os: apt\n${hooks}`);
}

beforeAll(async () => {
  const ready = await upOrReset();
  timings[`sandbox ${ready.how}`] = ready.ms;
  await rm(STATE, { recursive: true, force: true });
  // The hook scripts, written inside CT 101 by a constant shell script; body and name are its arguments.
  for (const [name, body] of [
    ['unrot-hook-record', RECORD],
    ['unrot-hook-veto', VETO],
  ] as const) {
    await inCt(['sh', '-c', 'printf "%s" "$1" > "/usr/local/bin/$2" && chmod 0755 "/usr/local/bin/$2"', 'sh', body, name]);
  }
  await mkdir(join(ROOT, 'bin'), { recursive: true });
  await writeFile(
    HOST_HOOK,
    `#!/bin/sh\n{ env | grep "^UNROT_" | sort; echo "mode=$(stat -c %a "$UNROT_CONTEXT")"; echo "---"; cat "$UNROT_CONTEXT"; } > ${HOST_OUT}\n`,
    { mode: 0o755 },
  );
});

afterAll(() => {
  console.log(`hook drill timings (ms): ${JSON.stringify(timings)}`);
});

describe('hooks with context in CT 101', () => {
  it('veto: a pre_update hook exiting 75 skips CT 101 with its reason; nothing changed, no snapshot left, exit 0', async () => {
    expect(await demoVersion()).toBe('1.0');
    await writeConfig(
      'pre_update:\n  - argv: [/usr/local/bin/unrot-hook-veto]\npost_update:\n  - argv: [/usr/local/bin/unrot-hook-record]\n',
    );
    const r = await unrot('run', '--ct', '101', '--json');
    timings['veto run'] = r.ms;
    expect(r.code, `${r.stderr}\n${r.stdout.slice(0, 3000)}`).toBe(0);
    const c = ct101(r);
    expect(c).toMatchObject({ outcome: 'skipped', skipReason: 'vetoed' });
    expect(c?.skipDetail).toMatch(
      /^pre_update hook \["\/usr\/local\/bin\/unrot-hook-veto"\] vetoed the update: nightly backup of the database still running; snapshot unrot-\S+ deleted$/,
    );
    expect(c?.hooks?.preUpdate[0]).toMatchObject({ exitCode: 75, vetoed: true });
    expect(c?.hooks?.postUpdate[0]?.exitCode).toBeUndefined();
    expect(await demoVersion()).toBe('1.0');
    expect(await ownSnapshots(101, pct)).toEqual([]);
    // The veto hook saw the update it refused.
    const seen = parseRecord((await inCt(['cat', '/root/hook-pre_update.out'])).stdout);
    expect(seen.vars['UNROT_PHASE']).toBe('pre_update');
    expect(seen.context['planned']).toEqual([
      expect.objectContaining({ runner: 'apt', name: 'unrot-sandbox-demo', from: '1.0', to: '1.1' }),
    ]);
    expect((await inCt(['test', '-e', '/root/hook-post_update.out'], [0, 1])).code).toBe(1);
  });

  it('context: hooks in CT 101 and on the host get the CT id, run id, phase and the planned / changed packages', async () => {
    await inCt(['rm', '-f', '/root/hook-pre_update.out', '/root/hook-post_update.out']);
    await writeConfig(
      [
        'pre_update:',
        `  - argv: [${HOST_HOOK}]`,
        '    where: host',
        '  - argv: [/usr/local/bin/unrot-hook-record]',
        'post_update:',
        '  - argv: [/usr/local/bin/unrot-hook-record]',
        '',
      ].join('\n'),
    );
    const r = await unrot('run', '--ct', '101', '--json');
    timings['context run'] = r.ms;
    expect(r.code, `${r.stderr}\n${r.stdout.slice(0, 3000)}`).toBe(0);
    const runId = reportOf<Report>(r).runId;
    const c = ct101(r);
    expect(c?.outcome).toBe('updated');
    expect(c?.hooks?.preUpdate.map((h) => [h.where ?? 'container', h.exitCode])).toEqual([
      ['host', 0],
      ['container', 0],
    ]);
    expect(await demoVersion()).toBe('1.1');
    const demo = { runner: 'apt', name: 'unrot-sandbox-demo', from: '1.0', to: '1.1' };

    const pre = parseRecord((await inCt(['cat', '/root/hook-pre_update.out'])).stdout);
    expect(pre.vars).toMatchObject({ UNROT_CTID: '101', UNROT_RUN_ID: runId, UNROT_PHASE: 'pre_update' });
    expect(pre.vars['UNROT_CONTEXT']).toMatch(/^\/run\/unrot-hook\.[A-Za-z0-9]{10}$/);
    expect(pre.mode).toBe('600');
    expect(pre.context).toMatchObject({ version: 1, ctid: 101, runId, phase: 'pre_update', changed: [] });
    expect(pre.context['planned']).toEqual([expect.objectContaining(demo)]);

    const post = parseRecord((await inCt(['cat', '/root/hook-post_update.out'])).stdout);
    expect(post.vars).toMatchObject({ UNROT_CTID: '101', UNROT_RUN_ID: runId, UNROT_PHASE: 'post_update' });
    expect(post.context['changed']).toEqual([expect.objectContaining(demo)]);
    // Each context file was removed after its list.
    for (const seen of [pre, post]) {
      expect((await inCt(['test', '-e', seen.vars['UNROT_CONTEXT'] ?? '/nonexistent'], [0, 1])).code).toBe(1);
    }

    const host = parseRecord(await readFile(HOST_OUT, 'utf8'));
    expect(host.vars).toMatchObject({ UNROT_CTID: '101', UNROT_RUN_ID: runId, UNROT_PHASE: 'pre_update' });
    expect(host.mode).toBe('600');
    expect(host.context['planned']).toEqual([expect.objectContaining(demo)]);
    await expect(readFile(host.vars['UNROT_CONTEXT'] ?? '/nonexistent')).rejects.toThrow(/ENOENT/);
  });
  it('on_rollback / on_failure: a broken update is rolled back, then both hooks run in the restored CT 101 with the failure', async () => {
    await inCt(['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-y', '-q', 'install', 'unrot-sandbox-fragile=1.0']);
    await inCt(['rm', '-f', '/root/hook-on_rollback.out', '/root/hook-on_failure.out']);
    await writeConfig(
      [
        'on_rollback:',
        '  - argv: [/usr/local/bin/unrot-hook-record]',
        'on_failure:',
        '  - argv: [/usr/local/bin/unrot-hook-record]',
        `  - argv: [${HOST_HOOK}]`,
        '    where: host',
        '',
      ].join('\n'),
    );
    const r = await unrot('run', '--ct', '101', '--json');
    timings['rollback run'] = r.ms;
    expect(r.code, `${r.stderr}\n${r.stdout.slice(0, 3000)}`).toBe(1);
    const runId = reportOf<Report>(r).runId;
    const c = ct101(r);
    expect(c).toMatchObject({ outcome: 'rolled-back', error: { step: 'apply', code: 'E_EXEC_FAILED' } });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
    expect((await inCt(['dpkg-query', '-W', '-f=${Version}', 'unrot-sandbox-fragile'])).stdout.trim()).toBe('1.0');
    const fragile = { runner: 'apt', name: 'unrot-sandbox-fragile', from: '1.0', to: '1.1' };
    for (const phase of ['on_rollback', 'on_failure']) {
      const seen = parseRecord((await inCt(['cat', `/root/hook-${phase}.out`])).stdout);
      expect(seen.vars).toMatchObject({ UNROT_CTID: '101', UNROT_RUN_ID: runId, UNROT_PHASE: phase });
      expect(seen.mode).toBe('600');
      expect(seen.context).toMatchObject({ phase, rolledBack: true, failure: { step: 'apply', code: 'E_EXEC_FAILED' } });
      expect(seen.context['planned']).toEqual(expect.arrayContaining([expect.objectContaining(fragile)]));
    }
    const host = parseRecord(await readFile(HOST_OUT, 'utf8'));
    expect(host.vars).toMatchObject({ UNROT_RUN_ID: runId, UNROT_PHASE: 'on_failure' });
    expect(host.context).toMatchObject({ rolledBack: true, failure: { code: 'E_EXEC_FAILED' } });
  });
});
