// A real Docker engine and real registries for the tests and the recorder, started here and
// stopped by stop(): Debian 12's dockerd (docker.io 20.10) with its own --data-root, --exec-root
// and unix socket in a temp dir, configured so it cannot touch the host's networking (no
// iptables rules, no docker0 bridge), and Debian's docker-registry (distribution 2.8) on
// 127.0.0.1, one open and one behind htpasswd auth. On top of that, dockerd and the registries
// run in a network namespace of their own (`unshare --net`, entered with `nsenter --net=`), so
// even the user-defined bridge networks a test creates never appear on the host, whose LXC
// containers keep their networking. `prefix` runs a command in that namespace the way
// `pct exec VMID --` runs one in a container.
// Demo images are built FROM scratch with Debian's busybox: busybox-static as is, or the
// dynamically linked `busybox` package (the two conflict in Debian 12, and other tools' setup
// installs `busybox`) together with the libraries ldd names, at the same paths.
// Needs root, docker.io, docker-registry, busybox or busybox-static, python3 (bcrypt for
// htpasswd), util-linux (unshare, nsenter) and iproute2.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

const DOCKERD = '/usr/sbin/dockerd';
const REGISTRY = '/usr/bin/docker-registry';
const BUSYBOX = '/bin/busybox';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function tailOf(file) {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Fails with the reason instead of skipping: every tool this needs, checked up front. */
export function assertPrerequisites() {
  const missing = [DOCKERD, '/usr/bin/docker', REGISTRY, BUSYBOX, '/usr/bin/unshare', '/usr/bin/nsenter', '/usr/sbin/ip'].filter(
    (f) => !existsSync(f),
  );
  if (missing.length > 0)
    throw new Error(`missing ${missing.join(', ')}: apt-get install -y --no-install-recommends docker.io docker-registry busybox iproute2`);
  if (process.getuid?.() !== 0) throw new Error('dockerd needs root');
}

/** busybox (as /bin/busybox and /bin/sh) plus, when it is dynamically linked, the libraries it loads. */
function imageRoot(dir) {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  const binary = readFileSync(BUSYBOX);
  writeFileSync(join(dir, 'bin/busybox'), binary, { mode: 0o755 });
  writeFileSync(join(dir, 'bin/sh'), binary, { mode: 0o755 });
  const ldd = spawnSync('ldd', [BUSYBOX], { encoding: 'utf8' });
  // "not a dynamic executable" (exit 1) for busybox-static: nothing to add.
  if (ldd.status !== 0) return;
  for (const line of ldd.stdout.split('\n')) {
    const path = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line)?.[1];
    if (!path) continue;
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, readFileSync(realpathSync(path)), { mode: 0o755 });
  }
}

async function waitFor(what, check, logFile, child, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}:\n${tailOf(logFile)}`);
    if (await check()) return;
    await sleep(250);
  }
  throw new Error(`${what} did not come up within ${timeoutMs / 1000} s:\n${tailOf(logFile)}`);
}

async function startRegistry(root, name, auth, prefix) {
  const port = await freePort();
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  let authBlock = '';
  if (auth) {
    // The registry reads bcrypt htpasswd entries; python3's crypt module makes one ($2b$).
    const hash = execFileSync(
      'python3',
      ['-W', 'ignore', '-c', 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))', auth.password],
      {
        encoding: 'utf8',
      },
    ).trim();
    writeFileSync(join(dir, 'htpasswd'), `${auth.user}:${hash}\n`);
    authBlock = `auth:\n  htpasswd:\n    realm: unrot-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${authBlock}`,
  );
  const log = join(dir, 'registry.log');
  const child = spawn(prefix[0], [...prefix.slice(1), REGISTRY, 'serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.on('data', (d) => writeFileSync(log, d, { flag: 'a' }));
  // Inside the namespace: connect with busybox nc (any answer, even the auth registry's 401, means it listens).
  const listens = () =>
    spawnSync(prefix[0], [...prefix.slice(1), BUSYBOX, 'nc', '-w', '1', '127.0.0.1', String(port)], { input: '', timeout: 3000 }).status ===
    0;
  await waitFor(`docker-registry (${name})`, async () => listens(), log, child);
  return { host: `127.0.0.1:${port}`, child, log };
}

/**
 * Starts dockerd and the registries. Returns env (DOCKER_HOST, DOCKER_CONFIG, PATH with Debian's
 * docker first), docker(args) for setup, build(tag, opts) and stop().
 */
export async function startDockerEnv() {
  assertPrerequisites();
  const root = mkdtempSync('/tmp/unrot-docker-');
  const sock = join(root, 'docker.sock');
  writeFileSync(join(root, 'daemon.json'), JSON.stringify({ iptables: false, ip6tables: false, bridge: 'none' }));
  const dockerdLog = join(root, 'dockerd.log');
  // The namespace lives as long as this sleep (and whatever runs in it).
  const holder = spawn('unshare', ['--net', 'sleep', 'infinity'], { stdio: 'ignore' });
  await sleep(200);
  if (holder.exitCode !== null) throw new Error(`unshare --net failed (exit ${holder.exitCode}): a network namespace is needed`);
  const prefix = ['/usr/bin/nsenter', `--net=/proc/${holder.pid}/ns/net`, '--'];
  execFileSync(prefix[0], [...prefix.slice(1), '/usr/sbin/ip', 'link', 'set', 'lo', 'up']);
  const dockerd = spawn(
    prefix[0],
    [
      ...prefix.slice(1),
      DOCKERD,
      `--config-file=${join(root, 'daemon.json')}`,
      `--data-root=${join(root, 'data')}`,
      `--exec-root=${join(root, 'exec')}`,
      `--pidfile=${join(root, 'docker.pid')}`,
      `--host=unix://${sock}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  dockerd.stderr.on('data', (d) => writeFileSync(dockerdLog, d, { flag: 'a' }));
  const cliConfig = join(root, 'cli-config');
  mkdirSync(cliConfig, { recursive: true });
  writeFileSync(join(cliConfig, 'config.json'), '{}\n');
  const env = {
    ...process.env,
    DOCKER_HOST: `unix://${sock}`,
    DOCKER_CONFIG: cliConfig,
    // Debian's docker CLI (20.10) before anything else on PATH.
    PATH: `/usr/bin:/usr/sbin:/bin:/sbin:${process.env.PATH ?? ''}`,
  };
  const docker = (args, opts = {}) => execFileSync('docker', args, { env, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...opts });
  const registries = [];
  const stop = async () => {
    spawnSync('docker', ['rm', '--force', ...docker(['ps', '--all', '--quiet']).split('\n').filter(Boolean)], { env });
    dockerd.kill('SIGTERM');
    const deadline = Date.now() + 30_000;
    while (dockerd.exitCode === null && dockerd.signalCode === null && Date.now() < deadline) await sleep(200);
    if (dockerd.exitCode === null && dockerd.signalCode === null) dockerd.kill('SIGKILL');
    for (const r of registries) r.child.kill('SIGTERM');
    holder.kill('SIGTERM');
    // dockerd unmounts its overlays on shutdown; anything left mounted under root is unmounted first.
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1])
      .filter((m) => m?.startsWith(root))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) spawnSync('umount', ['-l', m]);
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitFor('dockerd', () => spawnSync('docker', ['version'], { env }).status === 0, dockerdLog, dockerd);
    const open = await startRegistry(root, 'registry', undefined, prefix);
    registries.push(open);
    const auth = { user: 'unrot', password: 's3cret-demo' };
    const locked = await startRegistry(root, 'registry-auth', auth, prefix);
    registries.push(locked);
    const context = join(root, 'image');
    mkdirSync(context);
    imageRoot(join(context, 'rootfs'));
    /** Builds a demo image (version label + env) and pushes it to `tags` on the open registry. */
    const build = (version, tags, { broken = false, healthcheck = false } = {}) => {
      const lines = [
        'FROM scratch',
        // busybox (also as /bin/sh, the shell CMD-SHELL health checks need), and its libraries if any.
        'COPY rootfs/ /',
        `LABEL org.opencontainers.image.version=${version}`,
        `ENV DEMO_VERSION=${version}`,
        'ENTRYPOINT ["/bin/busybox"]',
        // The broken image exits at start, the others sleep.
        broken ? 'CMD ["false"]' : 'CMD ["sleep", "3600"]',
      ];
      if (healthcheck) lines.push('HEALTHCHECK --interval=1s --retries=2 CMD ["/bin/busybox", "true"]');
      writeFileSync(join(context, 'Dockerfile'), `${lines.join('\n')}\n`);
      const first = `${open.host}/demo:${tags[0]}`;
      docker(['build', '--quiet', '--tag', first, context]);
      for (const t of tags) {
        const ref = `${open.host}/demo:${t}`;
        if (ref !== first) docker(['tag', first, ref]);
        docker(['push', '--quiet', ref]);
      }
      return docker(['image', 'inspect', '--format', '{{.Id}}', first]).trim();
    };
    return { root, env, prefix, docker, build, stop, registry: open.host, authRegistry: locked.host, auth, cliConfig, dockerdLog };
  } catch (error) {
    await stop();
    throw error;
  }
}
