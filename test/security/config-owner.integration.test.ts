// Attack: a policy file owned by another (unprivileged) user, who can rewrite what root runs.
// Before issue 12 such a file was read and trusted. Needs root (chown), so it is an integration test.
import { chownSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../packages/engine/src/config/config-error.js';
import { loadConfig } from '../../packages/engine/src/config/load-config.js';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'unrot-sec-cfg-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function configError(dir: string): Promise<ConfigError> {
  try {
    await loadConfig(dir);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('config files: owner, as sudo and sshd check it', () => {
  it('a config file owned by another user than root or the running user is refused', async () => {
    const dir = tree({ 'global.yml': '', 'containers/101.yml': '' });
    chownSync(join(dir, 'containers', '101.yml'), 65534, 65534);
    const err = await configError(dir);
    expect(err.problems).toEqual([
      expect.objectContaining({
        file: join(dir, 'containers', '101.yml'),
        message: 'config file is owned by uid 65534: it must be owned by root or by the user unrot runs as',
      }),
    ]);
  });
});
