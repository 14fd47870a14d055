import { describe, expect, it } from 'vitest';
import { parsePacmanConf } from '../src/parse-pacman-conf.js';
import { liveLocalDb } from '../src/private-db.js';
import scenarios from './fixtures/contract-scenarios.json' with { type: 'json' };

// The real pacman-conf dump of a recorded root, its DBPath line replaced by the one under test.
const real = scenarios[0]?.recordings.find((r) => r.argv.includes('pacman-conf'))?.stdout ?? '';
const withDbPath = (dbPath: string) => parsePacmanConf(real.replace(/^DBPath = .*$/m, `DBPath = ${dbPath}`));

describe('the live local database the private one links to', () => {
  it('is DBPath/local, trailing slash or not', () => {
    expect(liveLocalDb(parsePacmanConf(real))).toBe('/var/lib/pacman/local');
    expect(liveLocalDb(withDbPath('/srv/pacman'))).toBe('/srv/pacman/local');
  });

  it.each([
    'relative/path',
    '/var/lib/../../etc',
    '/var/lib/pac man',
    '/var/lib/$(reboot)',
    '-rf',
    '/var/lib/unrot/pacman-sync',
    '/var/lib/unrot/pacman-sync/x',
  ])('refuses DBPath %j', (dbPath) =>
    expect(() => liveLocalDb(withDbPath(dbPath))).toThrow(expect.objectContaining({ code: 'E_RUNNER_PARSE' })),
  );
});
