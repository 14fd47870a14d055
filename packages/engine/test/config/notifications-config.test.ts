import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { prepare } from '../../src/run-unrot.js';

// prepare() checks secrets files, notifier plugins, secret references and sink options before a
// run touches anything: every problem is E_CONFIG (exit 2) naming file, line, column and key path.
const plugins = join(dirname(fileURLToPath(import.meta.url)), '../../../../plugins');
const roots = [join(plugins, 'notifier-webhook'), join(plugins, 'notifier-email')];

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'unrot-notify-config-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function configDir(global: (dir: string) => string, secrets = 'HOOK_URL=https://hooks.example/T0/B0/secretpart\n', mode = 0o600) {
  const dir = await mkdtemp(join(work, 'cfg-'));
  await mkdir(join(dir, 'containers'));
  await writeFile(join(dir, 'secrets.env'), secrets);
  await chmod(join(dir, 'secrets.env'), mode);
  await writeFile(join(dir, 'global.yml'), global(dir));
  return dir;
}

async function problems(dir: string): Promise<string[]> {
  try {
    await prepare(dir, roots);
  } catch (error) {
    if (error instanceof ConfigError) {
      expect(error.code).toBe('E_CONFIG');
      return error.message.split('\n').slice(1);
    }
    throw error;
  }
  throw new Error('expected E_CONFIG');
}

const sink = (options: string) => `notifications:\n  - notifier: webhook\n    options:\n${options}`;

describe('notification settings in global.yml', () => {
  it('prepares sinks, secrets and a redactor from a valid configuration', async () => {
    const dir = await configDir(
      (d) =>
        `secrets_files: [${d}/secrets.env]\nprometheus_textfile: /var/lib/node_exporter/unrot.prom\n${sink('      format: slack\n      url: { secret: HOOK_URL }\n')}`,
    );
    const prepared = await prepare(dir, roots);
    expect(prepared.notifications?.sinks.map((s) => s.name)).toEqual(['webhook-1']);
    expect(prepared.notifications?.redactor.string('see https://hooks.example/T0/B0/secretpart')).toBe('see ***');
    expect(prepared.config.global.prometheus_textfile).toBe('/var/lib/node_exporter/unrot.prom');
  });

  it('refuses an unknown secret with file, line and key path, never the value', async () => {
    const dir = await configDir(
      (d) => `secrets_files: [${d}/secrets.env]\n${sink('      format: slack\n      url: { secret: HOOK_ULR }\n')}`,
    );
    expect(await problems(dir)).toEqual([
      `  ${dir}/global.yml:6:12 notifications[0].options.url: unknown secret 'HOOK_ULR' (expected one of HOOK_URL (from secrets_files))`,
    ]);
  });

  it('refuses a secrets file readable by others, pointing at its entry in global.yml', async () => {
    const dir = await configDir((d) => `max_concurrency: 1\nsecrets_files:\n  - ${d}/secrets.env\n`, undefined, 0o644);
    const [line, ...rest] = await problems(dir);
    expect(rest).toEqual([]);
    expect(line).toBe(
      `  ${dir}/global.yml:3:5 secrets_files[0]: ${dir}/secrets.env: secrets file has mode 0644: it must not be accessible by group or others (chmod 600 ${dir}/secrets.env)`,
    );
  });

  it('refuses a missing notifier, an inline secret and options that fail the plugin schema', async () => {
    const dir = await configDir(
      (d) =>
        `secrets_files: [${d}/secrets.env]\nnotifications:\n  - notifier: pager\n  - notifier: webhook\n    options:\n      format: slack\n      url: https://hooks.example/inline\n  - notifier: webhook\n    options:\n      format: slack\n      url: { secret: HOOK_URL }\n      retries: 99\n`,
    );
    const found = await problems(dir);
    expect(found).toEqual([
      `  ${dir}/global.yml:3:15 notifications[0].notifier: notifier 'pager' is not installed (expected one of email, webhook)`,
      `  ${dir}/global.yml:7:12 notifications[1].options.url: holds a secret written inline; put it in a secrets file and write { secret: NAME } here`,
      expect.stringMatching(new RegExp(`^  ${dir}/global.yml:12:\\d+ notifications\\[2\\]\\.options\\.retries: `)),
    ]);
    expect(found.join('\n')).not.toContain('hooks.example/inline');
  });

  it('checks the keys themselves with the global schema (unknown key, bad severity, relative textfile path)', async () => {
    const dir = await configDir(
      () => `prometheus_textfile: unrot.prom\nnotifications:\n  - notifier: webhook\n    min_severity: loud\n    colour: red\n`,
    );
    const found = (await problems(dir)).join('\n');
    expect(found).toMatch(/global\.yml:1:\d+ prometheus_textfile: /);
    expect(found).toMatch(/global\.yml:4:\d+ notifications\[0\]\.min_severity: /);
    expect(found).toMatch(/global\.yml:5:\d+ notifications\[0\]\.colour: unknown key/);
  });
});
