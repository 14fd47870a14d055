/**
 * `pct` stand-in. Every subcommand parses like Proxmox's CLIHandler, prints what pct prints and
 * exits as pct exits (0, or 255 for any die / failed task). Subcommand code is imported lazily
 * so `pct list` stays fast.
 */
import { PveError } from '../pve-errors.js';
import { sandboxPaths } from '../sandbox-root.js';
import { type CommandSpec, isTrue, type Parsed, paramError, parseCommand } from './getopt.js';
import { runMain } from './main.js';

type Handler = (p: Parsed, spec: CommandSpec) => Promise<number | undefined>;

interface Command {
  spec: Omit<CommandSpec, 'prefix'>;
  handler: Handler;
}

const LOCKS = ['backup', 'create', 'destroyed', 'disk', 'fstrim', 'migrate', 'mounted', 'rollback', 'snapshot', 'snapshot-delete'];
const MISSING_COMMAND_AT = '/usr/share/perl5/PVE/CLI/pct.pm line 183';

const paths = () => sandboxPaths();
const vmidOf = (p: Parsed) => Number(p.args['vmid']);
const ops = () => import('./pct-ops.js');

const COMMANDS: Record<string, Command> = {
  list: { spec: { args: [], options: {} }, handler: async () => (await import('./pct-list.js')).list(paths()) },
  status: {
    spec: { args: ['vmid'], options: { verbose: 'boolean' } },
    handler: async (p) => (await ops()).status(paths(), vmidOf(p), isTrue(p.opts['verbose'])),
  },
  config: {
    spec: { args: ['vmid'], options: { current: 'boolean', snapshot: 'string' } },
    handler: async (p, spec) => {
      if (isTrue(p.opts['current']) && p.opts['snapshot'] !== undefined) {
        throw paramError(spec, 'Parameter verification failed.', { snapshot: "cannot use 'snapshot' parameter with 'current'" });
      }
      return (await ops()).config(paths(), vmidOf(p), isTrue(p.opts['current']), p.opts['snapshot']);
    },
  },
  exec: {
    spec: { args: ['vmid'], options: { 'keep-env': 'boolean' }, extraArgs: true },
    handler: async (p) => {
      const keepEnv = p.opts['keep-env'] === undefined ? true : isTrue(p.opts['keep-env']);
      (await ops()).checkExecTarget(paths(), vmidOf(p));
      const exec = await import('./pct-exec.js');
      // pct.pm checks "running" before "missing command".
      await exec.requireRunning(paths(), vmidOf(p));
      if (p.extra.length === 0) throw new PveError(`missing command at ${MISSING_COMMAND_AT}.`);
      return exec.execInCt(paths(), vmidOf(p), p.extra, keepEnv);
    },
  },
  start: {
    spec: { args: ['vmid'], options: { skiplock: 'boolean' } },
    handler: async (p) => (await ops()).start(paths(), vmidOf(p), isTrue(p.opts['skiplock'])),
  },
  stop: {
    spec: { args: ['vmid'], options: { skiplock: 'boolean', 'overrule-shutdown': 'boolean' } },
    handler: async (p) => (await ops()).stop(paths(), vmidOf(p), isTrue(p.opts['skiplock'])),
  },
  shutdown: {
    spec: { args: ['vmid'], options: { timeout: 'integer', forceStop: 'boolean' } },
    handler: async (p) => (await ops()).shutdown(paths(), vmidOf(p), Number(p.opts['timeout'] ?? 60), isTrue(p.opts['forceStop'])),
  },
  snapshot: {
    spec: { args: ['vmid', 'snapname'], options: { description: 'string' } },
    handler: async (p, spec) => {
      checkSnapname(spec, p.args['snapname']!);
      const name = p.args['snapname']!;
      if (name === 'current' || name === 'vzdump') throw new PveError(`unable to use snapshot name '${name}' (reserved name)`);
      return (await ops()).snapshot(paths(), vmidOf(p), name, p.opts['description']);
    },
  },
  listsnapshot: { spec: { args: ['vmid'], options: {} }, handler: async (p) => (await ops()).listsnapshot(paths(), vmidOf(p)) },
  rollback: {
    spec: { args: ['vmid', 'snapname'], options: { start: 'boolean' } },
    handler: async (p, spec) => {
      checkSnapname(spec, p.args['snapname']!);
      return (await ops()).rollback(paths(), vmidOf(p), p.args['snapname']!, isTrue(p.opts['start']));
    },
  },
  delsnapshot: {
    spec: { args: ['vmid', 'snapname'], options: { force: 'boolean' } },
    handler: async (p, spec) => {
      checkSnapname(spec, p.args['snapname']!);
      return (await ops()).delsnapshot(paths(), vmidOf(p), p.args['snapname']!, isTrue(p.opts['force']));
    },
  },
  unlock: { spec: { args: ['vmid'], options: {} }, handler: async (p) => (await ops()).unlock(paths(), vmidOf(p)) },
  set: {
    spec: {
      args: ['vmid'],
      options: {
        lock: 'string',
        delete: 'string',
        tags: 'string',
        description: 'string',
        hostname: 'string',
        memory: 'integer',
        cores: 'integer',
        onboot: 'boolean',
      },
    },
    handler: async (p, spec) => {
      if (p.opts['lock'] !== undefined && !LOCKS.includes(p.opts['lock'])) {
        throw paramError(spec, 'Parameter verification failed.', {
          lock: `value '${p.opts['lock']}' does not have a value in the enumeration '${LOCKS.join(', ')}'`,
        });
      }
      return (await ops()).set(paths(), vmidOf(p), p.opts);
    },
  },
  destroy: {
    spec: { args: ['vmid'], options: { purge: 'boolean', force: 'boolean' } },
    handler: async (p) => (await ops()).destroy(paths(), vmidOf(p), isTrue(p.opts['force'])),
  },
  restore: {
    spec: { args: ['vmid', 'ostemplate'], options: { storage: 'string', force: 'boolean', unique: 'boolean', unprivileged: 'boolean' } },
    handler: async (p) =>
      (await import('./restore-cmd.js')).restore(paths(), vmidOf(p), p.args['ostemplate']!, {
        storage: p.opts['storage'] ?? 'local',
        force: isTrue(p.opts['force']),
      }),
  },
};

/** pve-snapshot-name: pve-configid format, at most 40 characters. */
function checkSnapname(spec: CommandSpec, name: string): void {
  let err: string | undefined;
  if (name.length > 40) err = 'value may only be 40 characters long';
  else if (!/^[a-z][a-z0-9_-]+$/i.test(name)) err = `invalid format - invalid configuration ID '${name}'`;
  if (err) throw paramError(spec, 'Parameter verification failed.', { snapname: err });
}

function usageAll(): string {
  return Object.keys(COMMANDS)
    .sort()
    .map((c) => `       pct ${c}`)
    .join('\n');
}

export async function main(argv: string[]): Promise<void> {
  process.env['PATH'] = '/sbin:/bin:/usr/sbin:/usr/bin';
  await runMain(async () => {
    const [cmd, ...rest] = argv;
    const command = cmd ? COMMANDS[cmd] : undefined;
    if (!command) {
      const head = cmd ? `ERROR: unknown command 'pct ${cmd}'` : 'ERROR: no command specified';
      throw new PveError(`${head}\nUSAGE: pct <COMMAND> [ARGS] [OPTIONS]\n${usageAll()}`);
    }
    const spec: CommandSpec = { prefix: `pct ${cmd}`, ...command.spec };
    return command.handler(parseCommand(spec, rest), spec);
  });
}
