import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

// The built CLI as a user runs it. A recording `pct`/`pvesh` on PATH proves that a bad
// configuration or bad usage never reaches the host tools, let alone a container.
const bin = join(dirname(fileURLToPath(import.meta.url)), '../bin/run.js');
let work: string;
let trace: string;
let env: NodeJS.ProcessEnv;

function unrot(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function configDir(global: string, containers: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(work, 'cfg-'));
  mkdirSync(join(dir, 'containers'));
  writeFileSync(join(dir, 'global.yml'), global);
  for (const [name, body] of Object.entries(containers)) writeFileSync(join(dir, 'containers', name), body);
  return dir;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'unrot-cli-'));
  trace = join(work, 'host-tool-calls');
  const fakeBin = join(work, 'bin');
  mkdirSync(fakeBin);
  for (const tool of ['pct', 'pvesh', 'pvesm', 'vzdump']) {
    writeFileSync(join(fakeBin, tool), `#!/bin/sh\necho "${tool} $*" >> ${trace}\necho '[]'\n`);
    chmodSync(join(fakeBin, tool), 0o755);
  }
  env = { ...process.env, PATH: `${fakeBin}:${process.env['PATH']}` };
});

describe('unrot CLI', () => {
  it('prints its version and per-command help without loading the engine', () => {
    expect(unrot('--version').stdout).toMatch(/^@unrot\/cli\/\d+\.\d+\.\d+ /);
    const help = unrot('plan', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--ct');
    expect(help.stdout).toContain('--config');
  });

  it('validates the shipped examples with every bundled runner', () => {
    const r = unrot('validate', '--config', join(dirname(fileURLToPath(import.meta.url)), '../../../examples'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('apt (@unrot/runner-apt');
    expect(r.stdout).toContain('npm (@unrot/runner-npm');
    expect(r.stdout).toContain('pip (@unrot/runner-pip');
  });

  const badConfigs: Array<[string, string, Record<string, string>, RegExp]> = [
    ['YAML syntax error', 'max_concurrency: [1\n', {}, /global\.yml:\d+:\d+/],
    ['unknown key', 'max_concurency: 2\n', {}, /global\.yml:1:1 max_concurency: unknown key/],
    ['wrong type', 'max_concurrency: two\n', {}, /global\.yml:1:\d+ max_concurrency: .*expected an integer/],
    ['bad CTID file name', '{}\n', { '10l.yml': 'enabled: true\n' }, /containers\/10l\.yml: '10l\.yml' is not named after a container ID/],
    ['group file without selectors', '{}\n', { 'abc.yml': 'enabled: true\n' }, /containers\/abc\.yml:1:1 selectors: .*needs selectors:/],
    [
      'unknown runner',
      '{}\n',
      { '101.yml': 'runners:\n  os: apt\n  nosuch: {}\n' },
      /101\.yml:3:\d+ runners\.nosuch: .*unknown runner 'nosuch'/,
    ],
    [
      'shell metacharacters in an exclusion',
      '{}\n',
      { '101.yml': "exclusions:\n  packages: ['curl; reboot']\n" },
      /101\.yml:2:\d+ exclusions\.packages\[0\]/,
    ],
    [
      'command substitution in an exclusion',
      'exclusions:\n  packages: ["$(reboot)", "`id`"]\n',
      {},
      /exclusions\.packages\[0\].*\n.*exclusions\.packages\[1\]/,
    ],
  ];
  for (const [name, global, containers, expected] of badConfigs) {
    it(`exits 2 on ${name}, naming file, line and key path, and calls no host tool`, () => {
      const dir = configDir(global, containers);
      for (const command of ['validate', 'plan', 'run']) {
        const r = unrot(command, '--config', dir);
        expect(r.code, `${command}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toMatch(expected);
      }
      expect(existsSync(trace), 'a host tool was called').toBe(false);
    });
  }

  it('exits 2 on a bad --ct and on a missing config directory', () => {
    const dir = configDir('{}\n');
    expect(unrot('plan', '--config', dir, '--ct', '101;reboot').code).toBe(2);
    expect(unrot('plan', '--config', dir, '--ct', '99').stderr).toContain('outside the VMID range');
    expect(unrot('plan', '--config', join(work, 'nope')).code).toBe(2);
    expect(existsSync(trace)).toBe(false);
  });

  it('gives machine-readable errors with --json', () => {
    const dir = configDir('max_concurrency: 0\n');
    const r = unrot('validate', '--config', dir, '--json');
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout) as { exitCode: number; error: { code: string; problems: Array<{ line: number; path: string }> } };
    expect(out.exitCode).toBe(2);
    expect(out.error.code).toBe('E_CONFIG');
    expect(out.error.problems[0]).toMatchObject({ line: 1, path: 'max_concurrency' });
  });
});
