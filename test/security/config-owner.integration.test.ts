// Attack: a policy file owned by another (unprivileged) user, who can rewrite what root runs.
// Before issue 12 such a file was read and trusted. Needs root (chown), so it is an integration test.
import { chownSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configError, tree } from './config-tree.js';

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
