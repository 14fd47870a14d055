import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverNotifiers } from '../../src/notify/index.js';
import { tempDir } from '../secrets/helpers.js';

const PLUGINS = resolve(import.meta.dirname, '../../../../plugins');

async function plugin(dir: string, name: string, unrot: unknown, moduleText?: string): Promise<string> {
  const root = join(dir, name);
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module', unrot }));
  if (moduleText !== undefined) await writeFile(join(root, 'index.js'), moduleText);
  return root;
}

describe('discovering notifier plugins', () => {
  it('finds the bundled email notifier from its package.json, ignoring runner plugins', async () => {
    const found = await discoverNotifiers([join(PLUGINS, 'notifier-email'), join(PLUGINS, 'runner-pip'), '/nonexistent']);
    expect([...found.keys()]).toEqual(['email']);
    expect(typeof found.get('email')?.send).toBe('function');
  });

  it('refuses another SDK version, a module without a notifier, and an id provided twice', async () => {
    const dir = await tempDir();
    const ok = 'export default { id: "dup", sdk: 1, description: "d", optionsSchema: { type: "object" }, async send() {} };';
    const sdk2 = await plugin(dir, 'sdk2', { sdk: 2, notifiers: ['./index.js'] }, ok);
    await expect(discoverNotifiers([sdk2])).rejects.toMatchObject({ code: 'E_PLUGIN_INCOMPATIBLE' });
    const empty = await plugin(dir, 'empty', { sdk: 1, notifiers: ['./index.js'] }, 'export const x = 1;');
    await expect(discoverNotifiers([empty])).rejects.toMatchObject({ code: 'E_PLUGIN_LOAD' });
    const a = await plugin(dir, 'a', { sdk: 1, notifiers: ['./index.js'] }, ok);
    const b = await plugin(dir, 'b', { sdk: 1, notifiers: ['./index.js'] }, ok);
    await expect(discoverNotifiers([a, b])).rejects.toMatchObject({
      code: 'E_PLUGIN_LOAD',
      message: "notifier id 'dup' is provided by both a and b",
    });
  });
});

describe('preparing notifications from the policy', () => {
  it('loads secrets, discovers notifiers and prepares sinks; the redactor knows every secret', async () => {
    const { prepareNotifications } = await import('../../src/notify/index.js');
    const { secretsFile } = await import('../secrets/helpers.js');
    const dir = await tempDir();
    const file = await secretsFile(dir, 'secrets.env', 'SMTP_PASSWORD=prep-pass-1234\nUNUSED_TOKEN=unused-5678\n');
    const setup = await prepareNotifications(
      {
        secrets_files: [file],
        notifications: [
          {
            notifier: 'email',
            options: {
              host: 'smtp.example.org',
              auth: { user: 'u', password: { secret: 'SMTP_PASSWORD' } },
              from: 'a@b.example',
              to: ['c@d.example'],
            },
          },
        ],
      },
      [join(PLUGINS, 'notifier-email')],
      '/etc/unrot/global.yml',
    );
    expect(setup.sinks.map((s) => [s.name, s.notifier.id, s.minSeverity, s.timeoutMs])).toEqual([['email-1', 'email', 'degraded', 60_000]]);
    expect(setup.redactor.string('a prep-pass-1234 b unused-5678')).toBe('a *** b ***');
  });
});
