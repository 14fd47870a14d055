import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunReport } from '@unrot/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatGroups, formatReport, formatTargets } from '../src/lib/format-report.js';

// Group files (containers/<name>.yml with selectors:) as an admin sees them: `unrot targets` names
// the group files applied to each container and warns about one matching nothing; a conflict
// between two groups exits 2 before any container is touched. The built CLI runs against the
// engine's pct/pvesh stand-in (fleet.json beside it), the same one the engine tests use.
const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '../bin/run.js');
const fakePct = join(here, '../../engine/test/fixtures/fake-host/pct');
let work: string;
let env: NodeJS.ProcessEnv;

function unrot(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function configDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(work, 'cfg-'));
  mkdirSync(join(dir, 'containers'));
  writeFileSync(join(dir, 'global.yml'), 'node: pve\n');
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, 'containers', name), body);
  return dir;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'unrot-cli-groups-'));
  const fakeBin = join(work, 'bin');
  mkdirSync(fakeBin);
  for (const tool of ['pct', 'pvesh', 'pvesm']) symlinkSync(fakePct, join(fakeBin, tool));
  const containers = [
    { vmid: 101, name: 'web-1', status: 'running', tags: 'web;prod' },
    { vmid: 102, name: 'web-2', status: 'running', tags: 'web' },
    { vmid: 110, name: 'db-1', status: 'running' },
  ];
  writeFileSync(join(fakeBin, 'fleet.json'), JSON.stringify({ node: 'pve', containers }));
  env = { ...process.env, PATH: `${fakeBin}:${process.env['PATH']}` };
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('unrot targets with group files', () => {
  it('names the group files applied to each container and warns about one matching nothing', () => {
    const dir = configDir({
      'web.yml': 'selectors:\n  tags: [web]\nretries: 2\n',
      'prod.yml': 'selectors:\n  names: ["*-1"]\nrisk: low\n',
      'typo.yml': 'selectors:\n  tags: [wbe]\nretries: 3\n',
      '102.yml': 'enabled: false\n',
    });
    const r = unrot('targets', '--config', dir);
    expect(r.stderr).toBe(`warning: group file ${join(dir, 'containers/typo.yml')} matches no container (check its selectors)\n`);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n');
    expect(rows[1]).toMatch(/^101 +selected +web-1 +\[group files: prod\.yml, web\.yml\]$/);
    expect(rows[2]).toMatch(/^102 +skipped +web-2 +disabled \(enabled: false in its policy\) \[group files: web\.yml\]$/);
    expect(rows[3]).toMatch(/^110 +selected +db-1 +\[group files: prod\.yml\]$/);
    const json = JSON.parse(unrot('targets', '--config', dir, '--json').stdout);
    expect(json[0]).toEqual({
      vmid: 101,
      name: 'web-1',
      selected: true,
      groupFiles: [join(dir, 'containers/prod.yml'), join(dir, 'containers/web.yml')],
    });
  });

  it('exits 2 naming both files and the key when two groups matching one container set the same key', () => {
    const dir = configDir({
      'web.yml': 'selectors:\n  tags: [web]\nretries: 2\n',
      'prod.yml': 'selectors:\n  tags: [prod]\nretries: 5\n',
    });
    for (const command of ['targets', 'plan']) {
      const r = unrot(command, '--config', dir);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(
        `CT 101 matches group files ${join(dir, 'containers/prod.yml')} and ${join(dir, 'containers/web.yml')}, which both set 'retries'`,
      );
    }
  });

  it('exits 2 on selectors in a <CTID>.yml, with file and line', () => {
    const dir = configDir({ '101.yml': 'retries: 1\nselectors:\n  tags: [web]\n' });
    const r = unrot('validate', '--config', dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(dir, 'containers/101.yml')}:2:1 selectors: a <CTID>.yml file applies to CT 101 only`);
  });
});

describe('group files in the human report', () => {
  it('lists each group file with the containers it applied to, and warns about one that matched none', () => {
    const groups: NonNullable<RunReport['groups']> = [
      { file: '/etc/unrot/containers/typo.yml', vmids: [] },
      { file: '/etc/unrot/containers/web.yml', vmids: [101, 102] },
    ];
    expect(formatGroups(groups)).toEqual([
      'group files:',
      '  /etc/unrot/containers/typo.yml: matches no container (warning: check its selectors)',
      '  /etc/unrot/containers/web.yml: CT 101, 102',
    ]);
    expect(formatTargets([{ vmid: 103, name: 'mail', selected: true }])).not.toContain('group files');
  });

  it('prints the group files at the top of a plan, and nothing about them without group files', () => {
    const base = {
      runId: 'r1',
      dryRun: true,
      host: { node: 'pve1' },
      logDir: '/var/lib/unrot/runs/r1',
      containers: [],
      recoveries: [],
      summary: { containers: 0, updated: 0, rolledBack: 0, nothingToDo: 0, planned: 0, skipped: 0, failed: 0, packagesChanged: 0 },
    };
    const groups = [{ file: '/etc/unrot/containers/web.yml', vmids: [101, 102] }];
    const text = formatReport({ ...base, groups } as unknown as RunReport);
    expect(text).toContain('group files:\n  /etc/unrot/containers/web.yml: CT 101, 102\n');
    expect(formatReport(base as unknown as RunReport)).not.toContain('group files');
  });
});
