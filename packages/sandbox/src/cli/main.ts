import { existsSync } from 'node:fs';
import { isUnrotError } from '@unrot/sdk';
import { DEMO_VERSIONS, publishDockerVersion } from '../provision/docker-ct.js';
import { down } from '../provision/down.js';
import { LANG_SOURCES, type LangSource, publishBrokenLang } from '../provision/lang-sources.js';
import { publishBrokenUpdate } from '../provision/os-repos.js';
import { withSandboxLock } from '../provision/sandbox-lock.js';
import { ctGroups, sandboxSettings } from '../provision/settings.js';
import { formatStatus, status } from '../provision/status.js';
import { up } from '../provision/up.js';

const USAGE = `usage: unrot-sandbox up [--with os] [--json]
       unrot-sandbox down [--purge] [--json]
       unrot-sandbox status [--json]
       unrot-sandbox publish-broken rpm|pacman  (adds the broken unrot-sandbox-demo 1.2 to CT 103's or 104's repository)
       unrot-sandbox publish-broken composer|gem|go|flatpak  (adds a 1.2 that installs but breaks CT 106's app)
       unrot-sandbox publish-docker 1.1|1.2|1.0  (moves demo:latest in CT 105's registry; 1.2 exits at start)
       unrot-sandbox api serve|start|stop|status|info|token …  (the Proxmox API front, docs/sandbox.md)
       unrot-sandbox cluster add-node|remove-node|stop-node|start-node|stop-sshd NODE | migrate VMID NODE | status

environment: UNROT_SANDBOX_ROOT (default /var/lib/unrot-sandbox), UNROT_SANDBOX_CACHE
(default /var/cache/unrot-sandbox), UNROT_SANDBOX_NODE, UNROT_SANDBOX_APT_PORT (8431),
UNROT_SANDBOX_PYPI_PORT (8432), UNROT_SANDBOX_WEB_PORT (3101), UNROT_SANDBOX_PY_PORT (3102),
UNROT_SANDBOX_BTRFS_SIZE (16G, sparse), UNROT_SANDBOX_API_PORT (8006),
UNROT_SANDBOX_RPM_PORT (8433), UNROT_SANDBOX_PACMAN_PORT (8434), UNROT_SANDBOX_REGISTRY_PORT (8435),
UNROT_SANDBOX_DOCKER_APP_PORT (3103), UNROT_SANDBOX_CLUSTER_NET (the cluster nodes' /24, 10.77.0.0/24), UNROT_SANDBOX_CTS (container groups: apps = CT 101/102, the
default; os = CT 103 dnf + CT 104 pacman; docker = CT 105 Docker-in-LXC; lang = CT 106 composer,
gem, go and flatpak apps; e.g. 'apps,os' or 'docker'). lang: UNROT_SANDBOX_COMPOSER_PORT (8437),
UNROT_SANDBOX_GEM_PORT (8438), UNROT_SANDBOX_GOPROXY_PORT (8439), UNROT_SANDBOX_FLATPAK_PORT (8440).
up --with os|docker adds a group; once made, up keeps a group until down.
`;

/** `up --with GROUP` / `--with=GROUP` (repeatable): container groups added to UNROT_SANDBOX_CTS. */
function takeWith(args: readonly string[]): { groups: string[]; rest: string[] } {
  const groups: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--with' && i + 1 < args.length) groups.push(args[++i] ?? '');
    else if (a.startsWith('--with=')) groups.push(a.slice('--with='.length));
    else rest.push(a);
  }
  return { groups, rest };
}

/** Exit codes: 0 ok, 1 failure, 2 usage. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === 'api') return (await import('../pve/api/main.js')).main(args);
  if (command === 'cluster') {
    const { clusterMain } = await import('./cluster-cmd.js');
    const { withSandboxLock } = await import('../provision/sandbox-lock.js');
    try {
      const root = sandboxSettings().paths.root;
      return await withSandboxLock(root, () => clusterMain(args, (s) => process.stdout.write(s)));
    } catch (error) {
      const code = isUnrotError(error) ? error.code : 'E_INTERNAL';
      process.stderr.write(`unrot-sandbox cluster: ${code}: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
  }
  const { groups: withGroups, rest } = command === 'up' ? takeWith(args) : { groups: [], rest: args };
  const flags = new Set(rest);
  const allowed: Record<string, string[]> = {
    up: ['--json'],
    down: ['--purge', '--json'],
    status: ['--json'],
    'publish-broken': ['rpm', 'pacman', ...LANG_SOURCES],
    'publish-docker': [...DEMO_VERSIONS],
  };
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const known = command !== undefined ? allowed[command] : undefined;
  const unknown = rest.filter((f) => !known?.includes(f));
  if (!known || unknown.length > 0) {
    process.stderr.write(`${known ? `unknown option: ${unknown.join(' ')}\n` : ''}${USAGE}`);
    return 2;
  }
  const json = flags.has('--json');
  // Progress goes to stderr so --json output on stdout stays parseable.
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const base = sandboxSettings();
    const settings = withGroups.length > 0 ? { ...base, groups: ctGroups([...base.groups, ...withGroups].join(',')) } : base;
    if (command === 'up') {
      const r = await withSandboxLock(settings.paths.root, () => up(settings, log));
      if (json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else {
        for (const s of r.steps) process.stdout.write(`${s.step.padEnd(14)} ${s.seconds.toFixed(1)} s\n`);
        process.stdout.write(
          `sandbox up in ${r.seconds.toFixed(1)} s${r.templateBuilt ? ` (template built in ${r.templateSeconds.toFixed(1)} s)` : ''}; created: ${r.created.join(', ') || 'none'}; started: ${r.started.join(', ') || 'none'}\n`,
        );
        process.stdout.write(formatStatus(await status(settings)));
      }
    } else if (command === 'publish-broken') {
      const format = rest[0];
      if (rest.length === 1 && (LANG_SOURCES as readonly string[]).includes(format ?? '')) {
        process.stdout.write(`published ${await publishBrokenLang(settings, format as LangSource)}\n`);
        return 0;
      }
      if (rest.length !== 1 || (format !== 'rpm' && format !== 'pacman')) {
        process.stderr.write(USAGE);
        return 2;
      }
      process.stdout.write(`published ${await publishBrokenUpdate(settings, format)}\n`);
    } else if (command === 'publish-docker') {
      if (rest.length !== 1 || rest[0] === undefined) {
        process.stderr.write(USAGE);
        return 2;
      }
      process.stdout.write(`published ${await publishDockerVersion(settings, rest[0])}\n`);
    } else if (command === 'down') {
      // down on a root that does not exist must not create it just to lock it.
      const r = existsSync(settings.paths.root)
        ? await withSandboxLock(settings.paths.root, () => down(settings, { purge: flags.has('--purge') }, log))
        : await down(settings, { purge: flags.has('--purge') }, log);
      process.stdout.write(json ? `${JSON.stringify(r)}\n` : `sandbox down${r.purgedCache ? ' (template cache purged)' : ''}\n`);
    } else {
      const st = await status(settings);
      process.stdout.write(json ? `${JSON.stringify(st)}\n` : formatStatus(st));
    }
    return 0;
  } catch (error) {
    const code = isUnrotError(error) ? error.code : 'E_INTERNAL';
    process.stderr.write(`unrot-sandbox ${command}: ${code}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
