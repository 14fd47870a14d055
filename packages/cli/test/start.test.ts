import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config, Help } from '@oclif/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answeredByRootPlugin, rootOnlyLoadOptions } from '../src/lib/start.js';

// `unrot --version` and `unrot <command> --help` start oclif with the CLI's own plugin only
// (src/lib/start.ts). What users rely on: the same output as with every plugin loaded, and the
// commands of installed plugins still there wherever they can appear.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin/run.js');
const ownCommands = Object.keys(
  (JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, unknown> }).commands,
);
let work: string;
let env: NodeJS.ProcessEnv;
const savedDataDir = process.env['UNROT_DATA_DIR'];

/** Help that keeps what it prints. */
class KeptHelp extends Help {
  printed: string[] = [];
  protected override log(...args: string[]): void {
    this.printed.push(args.join(' '));
  }
}

async function helpText(config: Config, argv: string[]): Promise<string> {
  const help = new KeptHelp(config);
  await help.showHelp(argv);
  return help.printed.join('\n');
}

function unrot(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'unrot-start-'));
  // oclif's data dir, where `unrot plugins install|link` records installed plugins: this test's own.
  env = {
    ...process.env,
    UNROT_DATA_DIR: join(work, 'data'),
    UNROT_CONFIG_DIR: join(work, 'config'),
    UNROT_CACHE_DIR: join(work, 'cache'),
  };
  process.env['UNROT_DATA_DIR'] = env['UNROT_DATA_DIR'];
});

afterAll(() => {
  if (savedDataDir === undefined) delete process.env['UNROT_DATA_DIR'];
  else process.env['UNROT_DATA_DIR'] = savedDataDir;
});

describe('start-up with the root plugin only', () => {
  it('is chosen for the version flag and for the help of unrot’s own commands, nothing else', async () => {
    const rootOnly = await rootOnlyLoadOptions(root);
    const cases: Array<[string[], boolean]> = [
      [['--version'], true],
      [['plan', '--help'], true],
      [['plan', '--ct', '101', '--help'], true],
      [['schedule', 'install', '--help'], true],
      [['snapshots', 'prune', '--help'], true],
      [['snapshots', '--help'], false], // a topic: plugins may add commands to it
      [['plugins', '--help'], false], // @oclif/plugin-plugins' command
      [['--help'], false],
      [[], false],
      [['plan'], false],
      [['plan', '--', '--help'], false],
      [['plan', '--version'], false],
      [['nosuch', '--help'], false],
    ];
    for (const [argv, expected] of cases) {
      expect(await answeredByRootPlugin(argv, rootOnly), argv.join(' ')).toBe(expected);
    }
  });

  it('prints the same help for every own command as oclif with every plugin loaded', async () => {
    const full = await Config.load({ root });
    const lean = await Config.load(await rootOnlyLoadOptions(root));
    expect(full.plugins.size).toBeGreaterThan(lean.plugins.size);
    expect(lean.plugins.size).toBe(1);
    expect(lean.userAgent).toBe(full.userAgent);
    expect(ownCommands.length).toBeGreaterThan(5);
    for (const id of ownCommands) {
      const argv = [...id.split(':'), '--help'];
      const text = await helpText(lean, argv);
      expect(text, id).toContain(`$ unrot ${id.replace(':', ' ')}`);
      expect(text, id).toBe(await helpText(full, argv));
    }
  });

  it('still shows an installed plugin’s command in the full help, and its own help', () => {
    // A third-party plugin with one command and no manifest, linked as `unrot plugins link` does.
    const plugin = join(work, 'unrot-plugin-greet');
    mkdirSync(join(plugin, 'dist', 'commands'), { recursive: true });
    writeFileSync(
      join(plugin, 'package.json'),
      JSON.stringify({
        name: 'unrot-plugin-greet',
        version: '1.0.0',
        type: 'module',
        oclif: { commands: './dist/commands' },
      }),
    );
    writeFileSync(
      join(plugin, 'dist', 'commands', 'greet.js'),
      'export default class Greet { static summary = "Say hello from an installed plugin."; static flags = {}; static args = {}; static async run() {} }\n',
    );
    const before = { version: unrot('--version'), plan: unrot('plan', '--help') };
    const linked = unrot('plugins', 'link', '--no-install', plugin);
    expect(linked.code, linked.stderr).toBe(0);
    expect(readFileSync(join(work, 'data', 'package.json'), 'utf8')).toContain(plugin);

    const rootHelp = unrot('--help');
    expect(rootHelp.code).toBe(0);
    expect(rootHelp.stdout).toMatch(/greet\s+Say hello from an installed plugin\./);
    const greetHelp = unrot('greet', '--help');
    expect(greetHelp.stdout).toContain('$ unrot greet');
    // The root-plugin-only start-up answers these the same with the plugin installed.
    expect(unrot('--version')).toEqual(before.version);
    expect(unrot('plan', '--help')).toEqual(before.plan);
    expect(before.plan.code).toBe(0);
    expect(before.plan.stderr).toBe('');
  });
});
