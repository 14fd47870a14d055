import { appendFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownSnapshots, type Proc, run, sandboxBin, unrotBin } from './sandbox-harness.js';

// runner-docker on a real Docker engine inside a real LXC container: CT 105 (privileged,
// features nesting=1, Debian 12 + Debian's docker.io, docker-registry and docker-compose v1).
// The registry runs inside the CT on 127.0.0.1; demo images are FROM scratch with Debian's static
// busybox. demo-web (a plain container) and the compose project /opt/stack run demo:latest = 1.0;
// `unrot-sandbox publish-docker V` moves latest in the registry. A sandbox of its own: only the
// docker group (UNROT_SANDBOX_CTS=docker), its own root and ports, so it runs beside the others.

const ROOT = '/var/lib/unrot-sandbox-docker-drills';
const CONFIG = join(ROOT, 'unrot-config');
const REGISTRY_PORT = 8837;
const APP_PORT = 3503;
const VMID = 105;
const REPO = `127.0.0.1:${REGISTRY_PORT}/demo`;
const STACK_CONTAINER = 'stack_app_1';
/** demo-web's environment holds it (sandbox docker-ct.ts): it must never reach a report or log. */
const SECRET = 'sandbox-docker-s3cret';
const env: NodeJS.ProcessEnv = {
  ...process.env,
  UNROT_SANDBOX_ROOT: ROOT,
  UNROT_SANDBOX_CTS: 'docker',
  UNROT_SANDBOX_APT_PORT: '8831',
  UNROT_SANDBOX_PYPI_PORT: '8832',
  UNROT_SANDBOX_WEB_PORT: '3501',
  UNROT_SANDBOX_PY_PORT: '3502',
  UNROT_SANDBOX_API_PORT: '8836',
  UNROT_SANDBOX_REGISTRY_PORT: String(REGISTRY_PORT),
  UNROT_SANDBOX_DOCKER_APP_PORT: String(APP_PORT),
  UNROT_HOST_TOOL_ENV: 'UNROT_SANDBOX_*',
  PATH: `${sandboxBin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
};
const sandbox = (...args: string[]) => run(join(sandboxBin, 'unrot-sandbox'), args, 1_500_000, env);
const pct = (...args: string[]) => run(join(sandboxBin, 'pct'), args, 600_000, env);
const unrot = (...args: string[]) => run(process.execPath, [unrotBin, ...args, '--config', CONFIG], 900_000, env);
const docker = async (...args: string[]): Promise<string> => {
  const r = await pct('exec', String(VMID), '--', 'docker', ...args);
  if (r.code !== 0) throw new Error(`pct exec ${VMID} -- docker ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
};

interface Update {
  name: string;
  from: string | null;
  to: string;
  scope?: string;
}
interface Report {
  exitCode: number;
  containers: Array<{
    vmid: number;
    outcome: string;
    changingCommands: number;
    backup?: { kind: string; name: string };
    rollback?: { kind: string; to: string; running: boolean; reason: string };
    error?: { step: string; runner?: string; code: string; message?: string; output?: string[] };
    runners: Array<{ id: string; updates: Update[]; changed: Update[]; plan: Array<{ argv: string[]; hostArgv: string[] }> }>;
  }>;
}
type Json = Record<string, unknown>;

const timings: Record<string, number> = {};
const report = (p: Proc, code = 0): Report => {
  if (p.code !== code) throw new Error(`unrot exited ${p.code} (expected ${code})\n${p.stderr}\n${p.stdout.slice(0, 4000)}`);
  return JSON.parse(p.stdout) as Report;
};
const ct = (r: Report) => r.containers.find((c) => c.vmid === VMID);
const dockerRunner = (r: Report) => ct(r)?.runners.find((x) => x.id === 'docker');

const inspect = async (kind: 'container' | 'image', ref: string): Promise<Json> =>
  (JSON.parse(await docker(kind, 'inspect', ref)) as Json[])[0] ?? {};
/** Image ids with their tags and digests, every container with its image and state: what "nothing changed" compares. */
const engineState = async () => ({
  images: (await docker('image', 'ls', '--all', '--digests', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}} {{.Digest}}'))
    .split('\n')
    .filter(Boolean)
    .sort(),
  containers: (await docker('ps', '--all', '--no-trunc', '--format', '{{.ID}} {{.Names}} {{.Image}} {{.State}}'))
    .split('\n')
    .filter(Boolean)
    .sort(),
});
const versionOf = async (container: string) => {
  const image = await inspect('image', String((await inspect('container', container))['Image']));
  return ((image['Config'] as Json)['Labels'] as Record<string, string>)['org.opencontainers.image.version'];
};
/** The registry's manifest digest of a tag, asked over HTTP like a release pipeline would check it. */
const registryDigest = async (tag: string) => {
  const res = await fetch(`http://127.0.0.1:${REGISTRY_PORT}/v2/demo/manifests/${tag}`, {
    method: 'HEAD',
    headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  return res.headers.get('docker-content-digest') ?? '';
};
const health = async () => {
  const res = await fetch(`http://127.0.0.1:${APP_PORT}/health`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
};
const waitHealthy = async (version: string, ms = 120_000) => {
  const deadline = Date.now() + ms;
  for (;;) {
    const h = await health().catch(() => undefined);
    if (h?.status === 200 && h.body.includes(`"version":"${version}"`)) return h;
    if (Date.now() > deadline)
      throw new Error(`demo-web did not answer 200 with version ${version} within ${ms / 1000} s (last: ${JSON.stringify(h)})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
};

/**
 * A container's inspect with what a recreate must change taken out: ids (also inside paths),
 * timestamps, state, running execs (a HEALTHCHECK probe in flight shows in ExecIDs), the image id, layer paths, network endpoint ids, the attach flags
 * `docker create` sets, and the values the container inherits from its image (Env entries and
 * labels equal to the image's: the new image's apply, e.g. DEMO_VERSION=1.1). Everything else —
 * name, command, restart policy, mounts, env, labels, exposed port, network mode, limits — must
 * be identical.
 */
async function comparable(name: string): Promise<Json> {
  const c = await inspect('container', name);
  const image = await inspect('image', String(c['Image']));
  const imageConfig = image['Config'] as { Env?: string[]; Labels?: Record<string, string> };
  const id = String(c['Id']);
  const { Id, Created, Image, State, GraphDriver, NetworkSettings, ExecIDs, ...rest } = c;
  const { AttachStdout, AttachStderr, Env, Labels, ...config } = rest['Config'] as Json;
  const networks = Object.fromEntries(
    Object.entries((NetworkSettings as { Networks: Record<string, Json> }).Networks).map(([net, { EndpointID, ...n }]) => [net, n]),
  );
  const own = {
    ...rest,
    Config: {
      ...config,
      Env: (Env as string[]).filter((e) => !(imageConfig.Env ?? []).includes(e)),
      Labels: Object.fromEntries(Object.entries(Labels as Record<string, string>).filter(([k, v]) => imageConfig.Labels?.[k] !== v)),
    },
    Networks: networks,
  };
  return JSON.parse(JSON.stringify(own).replaceAll(id, '<id>')) as Json;
}

/** Every file the run left under the sandbox's unrot state dir (reports, logs, journal). */
async function stateFiles(): Promise<string> {
  const dir = join(ROOT, 'unrot-state');
  const names = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile());
  const texts = await Promise.all(names.map((d) => readFile(join(d.parentPath, d.name), 'utf8')));
  return texts.join('\n');
}

beforeAll(async () => {
  await sandbox('down');
  const up = await sandbox('up', '--with', 'docker');
  if (up.code !== 0) throw new Error(`unrot-sandbox up --with docker failed (${up.code}):\n${up.stderr}\n${up.stdout}`);
  timings['sandbox up'] = up.ms;
  // The drills share a 2-core machine with other suites: the host-load gate (tested in the engine's
  // own tests) would only make this file wait; it is lifted for this sandbox's config alone.
  await appendFile(
    join(CONFIG, 'global.yml'),
    '\n# docker drills: no host-load gate on the shared test machine\npreflight:\n  max_load: 1000\n',
  );
});

afterAll(async () => {
  const down = await sandbox('down');
  timings['sandbox down'] = down.ms;
  console.log(`docker drill timings (ms): ${JSON.stringify(timings)}`);
});

describe('Docker in CT 105: demo-web and the compose project /opt/stack', () => {
  let oldImage = '';
  let snapshotsBefore: string[] = [];

  it('the sandbox made a nesting CT whose own dockerd runs both on demo 1.0 (no bridge, no iptables)', async () => {
    const conf = (await pct('config', String(VMID))).stdout;
    expect(conf).toMatch(/^features: nesting=1$/m);
    expect(conf).toMatch(/^lxc\.apparmor\.profile: unconfined$/m);
    expect((await docker('info', '--format', '{{.Driver}}')).trim()).toBe('overlay2');
    expect((await docker('network', 'ls', '--format', '{{.Name}}')).split('\n').filter(Boolean).sort()).toEqual(['host', 'none']);
    expect(await versionOf('demo-web')).toBe('1.0');
    expect(await versionOf(STACK_CONTAINER)).toBe('1.0');
    expect(await waitHealthy('1.0', 10_000)).toMatchObject({ status: 200 });
    oldImage = String((await inspect('container', 'demo-web'))['Image']);
    snapshotsBefore = await ownSnapshots(VMID, pct);
    expect(snapshotsBefore).toEqual([]);
  });

  it('plan finds demo:latest 1.0 → 1.1 for both from the registry without pulling anything', async () => {
    const published = await sandbox('publish-docker', '1.1');
    expect(published.code, published.stderr).toBe(0);
    const before = await engineState();
    const p = await unrot('plan', '--json');
    timings['plan'] = p.ms;
    const planned = report(p);
    expect(ct(planned)?.outcome).toBe('planned');
    const to = await registryDigest('1.1');
    const from = (await inspect('image', oldImage))['RepoDigests'] as string[];
    expect(dockerRunner(planned)?.updates).toEqual([
      { name: 'demo-web', from: from[0]?.split('@')[1], to, scope: `image ${REPO}:latest` },
      { name: STACK_CONTAINER, from: from[0]?.split('@')[1], to, scope: 'compose /opt/stack' },
    ]);
    // The plan pulls exactly the digest the registry named; nothing of it ran.
    expect(dockerRunner(planned)?.plan.map((s) => s.argv)).toContainEqual(['docker', 'pull', '--quiet', '--', `${REPO}@${to}`]);
    expect(await engineState()).toEqual(before);
    expect(await ownSnapshots(VMID, pct)).toEqual(snapshotsBefore);
  });

  it('run pulls and recreates demo-web with an identical configuration, updates the stack and prunes the replaced image', async () => {
    const oldConfig = await comparable('demo-web');
    const r = await unrot('run', '--json');
    timings['run'] = r.ms;
    const done = report(r);
    expect(ct(done)).toMatchObject({ outcome: 'updated', backup: { kind: 'snapshot' } });
    expect(await ownSnapshots(VMID, pct)).toEqual([ct(done)?.backup?.name]);
    const to = await registryDigest('1.1');
    expect(dockerRunner(done)?.changed.map((u) => [u.name, u.to])).toEqual([
      ['demo-web', to],
      [STACK_CONTAINER, to],
    ]);
    expect(await waitHealthy('1.1', 30_000)).toMatchObject({ status: 200 });
    expect(await versionOf('demo-web')).toBe('1.1');
    expect(await versionOf(STACK_CONTAINER)).toBe('1.1');
    expect(await comparable('demo-web')).toEqual(oldConfig);
    // What the new image brings does reach the container (watchtower's rule, docs/runners/docker.md).
    expect(((await inspect('container', 'demo-web'))['Config'] as { Env: string[] }).Env).toContain('DEMO_VERSION=1.1');
    // No leftovers: the old container is gone, and the old image (untagged, used by nobody) was pruned after verify.
    expect((await docker('ps', '--all', '--format', '{{.Names}}')).split('\n').filter(Boolean).sort()).toEqual([
      'demo-web',
      STACK_CONTAINER,
    ]);
    const images = await docker('image', 'ls', '--all', '--quiet', '--no-trunc');
    expect(images).not.toContain(oldImage);
    expect(images.split('\n').filter(Boolean)).toEqual([String((await inspect('container', 'demo-web'))['Image'])]);
    // The environment went through a root-only env-file, never argv: the secret is in no report or log.
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(await stateFiles()).not.toContain(SECRET);
  });

  it('a re-run is a no-op: no snapshot, no recreate', async () => {
    const before = await engineState();
    const snapshots = await ownSnapshots(VMID, pct);
    const r = await unrot('run', '--json');
    timings['second run'] = r.ms;
    const again = report(r);
    expect(ct(again)).toMatchObject({ outcome: 'nothing-to-do', changingCommands: 0 });
    expect(ct(again)?.backup).toBeUndefined();
    expect(await ownSnapshots(VMID, pct)).toEqual(snapshots);
    expect(await engineState()).toEqual(before);
  });

  it('a broken 1.2 (exits at start) is rolled back: demo-web runs 1.1 again, the report has its log tail', async () => {
    const published = await sandbox('publish-docker', '1.2');
    expect(published.code, published.stderr).toBe(0);
    const r = await unrot('run', '--json');
    timings['broken run'] = r.ms;
    const failed = report(r, 1);
    const c = ct(failed);
    expect(c).toMatchObject({
      outcome: 'rolled-back',
      backup: { kind: 'snapshot' },
      error: { step: 'apply', runner: 'docker', code: 'E_RESTART_FAILED' },
    });
    expect(c?.rollback).toMatchObject({ kind: 'snapshot', to: c?.backup?.name, running: true });
    // Why, in the runner's words and the new container's own log (the image's start script).
    const said = [c?.error?.message ?? '', ...(c?.error?.output ?? [])].join('\n');
    expect(said).toMatch(/the recreated demo-web (is )?(not running|not healthy|did not stay running)/);
    expect(said).toContain('demo 1.2: missing /etc/demo.conf, exiting');
    expect((await pct('status', String(VMID))).stdout.trim()).toBe('status: running');
    // After the snapshot rollback dockerd starts both again by their restart policy, on 1.1.
    expect(await waitHealthy('1.1')).toMatchObject({ status: 200 });
    expect(await versionOf('demo-web')).toBe('1.1');
    expect(await versionOf(STACK_CONTAINER)).toBe('1.1');
    expect((await docker('ps', '--all', '--format', '{{.Names}}')).split('\n').filter(Boolean).sort()).toEqual([
      'demo-web',
      STACK_CONTAINER,
    ]);
    expect(await ownSnapshots(VMID, pct)).toContain(c?.backup?.name ?? '(none)');
  });
});
