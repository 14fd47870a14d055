import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cronFileProblems, loadSchedule, renderSchedule } from '../../src/schedule/index.js';

// examples/systemd holds what `unrot schedule install` writes for examples/systemd/global.yml
// with unrot installed by npm on Debian; this keeps them from drifting from the generator.
const dir = join(dirname(fileURLToPath(import.meta.url)), '../../../../examples/systemd');
const program = ['/usr/bin/node', '/usr/lib/node_modules/@unrot/cli/bin/run.js'];

describe('examples/systemd', async () => {
  const { schedule } = await loadSchedule(dir);
  const common = { schedule, configDir: '/etc/unrot', program, source: '/etc/unrot/global.yml', hostTimeZone: 'Europe/Berlin' };

  it('unrot.service and unrot.timer are what install generates', () => {
    const files = renderSchedule({ ...common, kind: 'systemd' });
    expect(readFileSync(join(dir, 'unrot.service'), 'utf8')).toBe(files.get('/etc/systemd/system/unrot.service'));
    expect(readFileSync(join(dir, 'unrot.timer'), 'utf8')).toBe(files.get('/etc/systemd/system/unrot.timer'));
  });

  it('the cron file is what install --cron generates, and valid', () => {
    const text = renderSchedule({ ...common, kind: 'cron' }).get('/etc/cron.d/unrot');
    expect(readFileSync(join(dir, 'unrot.cron'), 'utf8')).toBe(text);
    expect(cronFileProblems(text ?? '')).toEqual([]);
  });

  it.runIf(spawnSync('test', ['-x', '/usr/bin/node']).status === 0)('the units pass systemd-analyze verify', () => {
    const r = spawnSync('systemd-analyze', ['verify', '--man=false', join(dir, 'unrot.timer'), join(dir, 'unrot.service')], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
