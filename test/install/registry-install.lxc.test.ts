import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctExec, ctWriteFile, ensureRunning, trustHostCas, waitFor } from '../../packages/sandbox/src/provision/ct.js';
import { down } from '../../packages/sandbox/src/provision/down.js';
import { type RunResult, run } from '../../packages/sandbox/src/provision/run.js';
import { sandboxSettings } from '../../packages/sandbox/src/provision/settings.js';
import { ensureStorage } from '../../packages/sandbox/src/provision/storage.js';
import { ensureTemplate } from '../../packages/sandbox/src/provision/template.js';
import { configExists } from '../../packages/sandbox/src/pve/config-store.js';
import { createContainer, destroyContainer } from '../../packages/sandbox/src/pve/create-container.js';
import {
  cleanNpmEnv,
  npmrc,
  type Registry,
  readJson,
  readmeInstallBlocks,
  startRegistry,
  stopRegistry,
  treeHash,
} from './registry-support.js';

// unrot installed as a user installs it (issue 19): every public @unrot/* package published by
// `npm run release`'s script to a real registry (Verdaccio on 127.0.0.1), then, in a fresh Debian 13
// (trixie) container with Debian's own nodejs and npm, the README's install commands line by line;
// a third-party runner (@acme/unrot-runner-hello, examples/) built against @unrot/sdk from that
// registry, installed, used by `unrot plan`, upgraded and removed; an upgrade and a rollback of the
// CLI with state and config unchanged. The only difference from the real world: the CT's npm is told
// `@unrot:registry` / `@acme:registry` = this registry (everything else comes from registry.npmjs.org).

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
const PORT = 8941;
const VMID = 190;
const ROOT = '/var/lib/unrot-install-test';
const sandboxEnv: NodeJS.ProcessEnv = { ...process.env, UNROT_SANDBOX_ROOT: ROOT };
const settings = sandboxSettings(sandboxEnv);
const { paths } = settings;
const HELLO = '@acme/unrot-runner-hello';
const HELLO_DIR = '/opt/hello';

let tmp = '';
let registry: Registry | undefined;
let hostNpmEnv: NodeJS.ProcessEnv = {};
const timings: Record<string, number> = {};

async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    timings[name] = Math.round((Date.now() - started) / 100) / 10;
  }
}

/** Runs argv on the host with the test's npm settings (userconfig with the registry and token, own cache). */
const host = (argv: string[], cwd = repo, timeoutMs = 15 * 60_000) => run(argv, { cwd, env: hostNpmEnv, timeoutMs });

/** Runs argv inside the CT as root would at its shell (HOME=/root, a clean PATH), like `pct exec`. */
const inCt = (argv: string[], okExitCodes: number[] = [0]): Promise<RunResult> =>
  ctExec(paths, VMID, argv, { okExitCodes, timeoutMs: 15 * 60_000 });

/** `unrot validate` in the CT; the list of installed runners it prints. */
async function runnersInCt(): Promise<string> {
  const r = await inCt(['unrot', 'validate']);
  return r.stdout;
}

/** Files under the CT's /etc/unrot and /var/lib/unrot (state dir of examples/global.yml): path + content. */
async function stateAndConfigHash(): Promise<{ hash: string; files: string[] }> {
  const listed = await inCt([
    'find',
    '/etc/unrot',
    '/var/lib/unrot',
    '/etc/systemd/system/unrot.service',
    '/etc/systemd/system/unrot.timer',
    '-type',
    'f',
  ]);
  const files = listed.stdout.split('\n').filter((l) => l.startsWith('/'));
  const entries = [];
  for (const path of files) entries.push({ path, content: (await inCt(['cat', '--', path])).stdout });
  return { hash: treeHash(entries), files: files.sort() };
}

/** The parts of `unrot plan --json` this test reads (docs/report-format.md). */
interface PlanReport {
  containers: Array<{
    vmid: number;
    outcome: string;
    runners: Array<{
      id: string;
      updates: Array<{ name: string; from: string | null; to: string }>;
      plan: Array<{ argv: string[]; hostArgv: string[] }>;
    }>;
  }>;
}

async function publishExample(dir: string, version: string): Promise<void> {
  await host(['npm', 'version', version, '--no-git-tag-version', '--allow-same-version'], dir);
  await host(['npm', 'publish'], dir);
}

describe('install from a registry onto Debian 13', () => {
  const helloWork = () => join(tmp, 'acme-unrot-runner-hello');

  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('this test builds LXC containers: run it as root');
    tmp = await mkdtemp('/tmp/unrot-install-test-');
    await mkdir(join(tmp, 'registry'));
    registry = await timed('registry start', () =>
      startRegistry(join(tmp, 'registry'), PORT, join(repo, 'node_modules/verdaccio/bin/verdaccio')),
    );
    const userconfig = join(tmp, 'npmrc');
    await writeFile(userconfig, npmrc(registry), { mode: 0o600 });
    hostNpmEnv = cleanNpmEnv({
      NPM_CONFIG_USERCONFIG: userconfig,
      NPM_CONFIG_CACHE: join(tmp, 'npm-cache'),
      NPM_CONFIG_UPDATE_NOTIFIER: 'false',
    });

    // The release path: a build of every workspace (turbo's cache when CI built the same sources
    // just before), then changeset publish of each public package whose version the configured
    // registry does not have (scripts/release.sh).
    await timed('release (build + publish)', () => host(['bash', 'scripts/release.sh', '--no-git-tag'], repo, 20 * 60_000));

    // The third-party runner, as its author builds it: its own npm install (@unrot/sdk from the
    // registry), build, contract test, publish.
    await cp(join(repo, 'examples/acme-unrot-runner-hello'), helloWork(), {
      recursive: true,
      filter: (src) => !/\/(node_modules|dist)$/.test(src),
    });
    await timed('acme runner install + build + test + publish', async () => {
      await host(['npm', 'install', '--no-audit', '--no-fund'], helloWork());
      await host(['npm', 'run', 'build'], helloWork());
      await host(['npm', 'test'], helloWork());
      await host(['npm', 'publish'], helloWork());
    });

    // A fresh Debian 13 CT (privileged, systemd as init, the host's network namespace).
    await timed('trixie template', () => ensureTemplate(settings.cacheDir, () => {}, 'trixie'));
    await timed('CT create + boot', async () => {
      await ensureStorage(paths);
      if (configExists(paths, VMID)) await destroyContainer(paths, VMID);
      const template = await ensureTemplate(settings.cacheDir, () => {}, 'trixie');
      await createContainer(paths, {
        vmid: VMID,
        hostname: 'install190',
        tags: ['install-test'],
        unprivileged: false,
        storage: 'local-btrfs',
        templateDir: template.dir,
        memory: 2048,
        cores: 2,
        description: 'unrot install test: Debian 13 with Debian nodejs/npm, unrot from a local registry',
        rawLxc: [['lxc.net.0.type', 'none']],
      });
      await ensureRunning(paths, VMID);
      const booted = await waitFor(async () => {
        const r = await inCt(['systemctl', 'is-system-running'], [0, 1]);
        return ['running', 'degraded'].includes(r.stdout.trim());
      }, 120_000);
      if (!booted) throw new Error(`CT ${VMID}: systemd did not finish booting`);
      await trustHostCas(paths, VMID);
    });
  });

  afterAll(async () => {
    stopRegistry(registry?.process);
    // Destroys the CT and removes the whole root (storage image, confs); the template cache stays.
    await down(settings).catch((err: unknown) => console.error(`install test cleanup: ${String(err)}`));
    if (tmp) await rm(tmp, { recursive: true, force: true });
    console.log(`install test timings (s): ${JSON.stringify(timings)}`);
  });

  it('publishes every public workspace package to the registry', async () => {
    const expected: string[] = [];
    for (const base of ['packages', 'plugins']) {
      for (const name of await readdir(join(repo, base))) {
        const pkg = await readJson<{ name: string; version: string; private?: boolean }>(join(repo, base, name, 'package.json')).catch(
          () => undefined,
        );
        if (pkg && !pkg.private) expected.push(`${pkg.name}@${pkg.version}`);
      }
    }
    expect(expected.length).toBeGreaterThan(10);
    for (const spec of expected) {
      const r = await host(['npm', 'view', spec, 'version']);
      expect(r.stdout.trim(), spec).toBe(spec.slice(spec.lastIndexOf('@') + 1));
    }
    expect((await host(['npm', 'view', HELLO, 'version'])).stdout.trim()).toBe('0.1.0');
  });

  it("installs with the README's commands in a Debian 13 CT with Debian's nodejs and npm", async () => {
    const blocks = readmeInstallBlocks(await readFile(join(repo, 'README.md'), 'utf8'));
    expect(blocks.length, 'README has the install-test blocks').toBe(2);
    const [install = [], afterPolicy = []] = blocks;
    const os = await inCt(['cat', '/etc/os-release']);
    expect(os.stdout).toMatch(/VERSION_CODENAME=trixie/);
    await timed('README install block', async () => {
      let scoped = false;
      for (const argv of install) {
        if (argv[0] === 'npm' && !scoped) {
          // The one difference from the real world (the README says so): before npm's first
          // command, the scopes are pointed at this registry, as for a mirror or private registry.
          await inCt(['npm', 'config', 'set', `@unrot:registry=${registry?.url}`]);
          await inCt(['npm', 'config', 'set', `@acme:registry=${registry?.url}`]);
          scoped = true;
        }
        await inCt(argv);
      }
    });
    const node = await inCt(['dpkg-query', '-W', 'nodejs']);
    expect(node.stdout, "Debian's nodejs").toMatch(/^nodejs\t20\./);
    expect((await inCt(['unrot', '--version'])).stdout).toMatch(/^@unrot\/cli\/0\.1\.0 linux-x64 node-v20\./);

    // The policy: examples/ copied as the README says.
    await ctWriteFile(paths, VMID, '/etc/unrot/global.yml', await readFile(join(repo, 'examples/global.yml'), 'utf8'));
    for (const name of await readdir(join(repo, 'examples/containers'))) {
      await ctWriteFile(paths, VMID, `/etc/unrot/containers/${name}`, await readFile(join(repo, 'examples/containers', name), 'utf8'));
    }
    const out: string[] = [];
    for (const argv of afterPolicy) out.push((await inCt(argv)).stdout);
    // examples/containers: 101, 102, 110 and the group file web.yml.
    expect(out.join('\n')).toMatch(/\/etc\/unrot: valid \(3 container files, 1 group file: /);
    expect(out.join('\n')).toMatch(/runners installed: apt \(@unrot\/runner-apt@0\.1\.0\)/);
    // schedule install on a systemd host enables the timer (verify ran in the block above).
    expect((await inCt(['systemctl', 'is-enabled', 'unrot.timer'])).stdout.trim()).toBe('enabled');
    const unit = (await inCt(['cat', '/etc/systemd/system/unrot.service'])).stdout;
    expect(unit).toContain('ExecStart=/usr/bin/node /usr/local/lib/node_modules/@unrot/cli/bin/run.js run --config /etc/unrot');
  });

  it('installs a third-party runner from the registry; validate lists it', async () => {
    await timed('plugins install (CT)', () => inCt(['unrot', 'plugins', 'install', HELLO]));
    expect(await runnersInCt()).toMatch(/hello \(@acme\/unrot-runner-hello@0\.1\.0\)/);
    expect((await inCt(['unrot', 'plugins'])).stdout).toMatch(/@acme\/unrot-runner-hello 0\.1\.0/);
  });

  it('plans with the third-party runner: the registry-installed unrot on the host, against the CT', async () => {
    // The CT has no pct (it is not a Proxmox node), so plan runs on the host, where the sandbox's
    // pct/pvesh stand-ins see this root's CT 190. unrot and the plugin come from the registry too.
    const prefix = join(tmp, 'host-prefix');
    const xdg = join(tmp, 'xdg');
    const policy = join(tmp, 'policy');
    await timed('host install', async () => {
      await host(['npm', 'install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '@unrot/cli']);
    });
    const unrotEnv: NodeJS.ProcessEnv = {
      ...hostNpmEnv,
      XDG_DATA_HOME: join(xdg, 'data'),
      XDG_CONFIG_HOME: join(xdg, 'config'),
      XDG_CACHE_HOME: join(xdg, 'cache'),
      UNROT_SANDBOX_ROOT: ROOT,
      UNROT_HOST_TOOL_ENV: 'UNROT_SANDBOX_*',
      PATH: `${join(repo, 'packages/sandbox/bin')}:${join(prefix, 'bin')}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
    };
    const unrot = (args: string[]) =>
      run([join(prefix, 'bin/unrot'), ...args], { env: unrotEnv, timeoutMs: 10 * 60_000, okExitCodes: [0, 1, 2, 6] });
    await unrot(['plugins', 'install', HELLO]);

    await inCt(['mkdir', '-p', `${HELLO_DIR}/releases/1.0.0`, `${HELLO_DIR}/releases/1.1.0`]);
    await inCt(['ln', '-sfn', 'releases/1.0.0', `${HELLO_DIR}/current`]);
    await mkdir(join(policy, 'containers'), { recursive: true });
    await writeFile(
      join(policy, 'global.yml'),
      [
        `node: ${paths.node}`,
        `state_dir: ${join(tmp, 'host-state')}`,
        'defaults:',
        '  runners:',
        '    os: none',
        'targets:',
        `  allow: [${VMID}]`,
        '',
      ].join('\n'),
    );
    await writeFile(join(policy, `containers/${VMID}.yml`), ['runners:', '  hello:', `    dir: ${HELLO_DIR}`, ''].join('\n'));

    const validate = await unrot(['validate', '--config', policy]);
    expect(validate.exitCode, validate.stderr).toBe(0);
    expect(validate.stdout).toMatch(/hello \(@acme\/unrot-runner-hello@0\.1\.0\)/);
    const plan = await unrot(['plan', '--config', policy, '--ct', String(VMID), '--json']);
    expect(plan.exitCode, `${plan.stderr}\n${plan.stdout.slice(0, 2000)}`).toBe(0);
    const report = JSON.parse(plan.stdout) as PlanReport;
    const ct = report.containers.find((c) => c.vmid === VMID);
    expect(ct?.outcome).toBe('planned');
    const hello = ct?.runners.find((r) => r.id === 'hello');
    expect(hello?.updates.map((u) => [u.name, u.from, u.to])).toEqual([['hello', '1.0.0', '1.1.0']]);
    expect(hello?.plan.map((step) => step.hostArgv)).toEqual([
      ['pct', 'exec', String(VMID), '--', 'ln', '-sfn', '--', 'releases/1.1.0', `${HELLO_DIR}/current`],
    ]);
    // plan changes nothing
    expect((await inCt(['readlink', `${HELLO_DIR}/current`])).stdout.trim()).toBe('releases/1.0.0');
  });

  it('upgrades the CLI and the plugin from the registry, then rolls the CLI back; state and config survive', async () => {
    const before = await stateAndConfigHash();
    expect(before.files).toContain('/etc/unrot/global.yml');
    expect(before.files).toContain('/var/lib/unrot/schedule-install.json');

    // A patch release of the CLI and a 0.2.0 of the plugin appear in the registry.
    const cliWork = join(tmp, 'cli-0.1.1');
    await cp(join(repo, 'packages/cli'), cliWork, { recursive: true, filter: (src) => !/\/node_modules$/.test(src) });
    await publishExample(cliWork, '0.1.1');
    await publishExample(helloWork(), '0.2.0');

    await timed('npm update -g (CT)', () => inCt(['npm', 'update', '-g', '@unrot/cli']));
    expect((await inCt(['unrot', '--version'])).stdout).toMatch(/^@unrot\/cli\/0\.1\.1 /);
    // The user's plugin survives the CLI upgrade (it lives in root's oclif data dir, not in the CLI).
    expect(await runnersInCt()).toMatch(/hello \(@acme\/unrot-runner-hello@0\.1\.0\)/);
    await timed('plugins update (CT)', () => inCt(['unrot', 'plugins', 'update']));
    expect(await runnersInCt()).toMatch(/hello \(@acme\/unrot-runner-hello@0\.2\.0\)/);
    expect((await stateAndConfigHash()).hash).toBe(before.hash);

    // Rollback (docs/runbooks/upgrade.md): the old version back with npm install -g.
    await inCt(['npm', 'install', '-g', '@unrot/cli@0.1.0']);
    expect((await inCt(['unrot', '--version'])).stdout).toMatch(/^@unrot\/cli\/0\.1\.0 /);
    expect(await runnersInCt()).toMatch(/hello \(@acme\/unrot-runner-hello@0\.2\.0\)/);
    expect((await stateAndConfigHash()).hash).toBe(before.hash);
    // The timer still starts the same path, so the units need no reinstall after an upgrade.
    await inCt(['systemd-analyze', 'verify', '/etc/systemd/system/unrot.service', '/etc/systemd/system/unrot.timer']);
  });

  it('uninstalls the third-party runner', async () => {
    await inCt(['unrot', 'plugins', 'uninstall', HELLO]);
    const listed = await runnersInCt();
    expect(listed).not.toMatch(/hello/);
    expect(listed).toMatch(/apt \(@unrot\/runner-apt@0\.1\.0\)/);
  });
});
