import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { collectSecretRefs, findInlineSecrets, loadSecrets, resolveSecretRefs, SecretRefSchema } from '../../src/secrets/index.js';
import { configError, secretsFile, tempDir } from './helpers.js';

async function store() {
  const dir = await tempDir();
  return loadSecrets([await secretsFile(dir, 's.env', 'SMTP_PASSWORD=hunter22-long\nHOOK_URL=https://hooks.example/T0/B0/xyzsecret\n')]);
}

const at = { file: '/etc/unrot/global.yml', path: ['notifications', 0, 'options'] };

describe('secret references', () => {
  it('the schema accepts { secret: NAME } and nothing else', () => {
    expect(Value.Check(SecretRefSchema, { secret: 'SMTP_PASSWORD' })).toBe(true);
    expect(Value.Check(SecretRefSchema, { secret: 'SMTP_PASSWORD', other: 1 })).toBe(false);
    expect(Value.Check(SecretRefSchema, { secret: 'has space' })).toBe(false);
    expect(Value.Check(SecretRefSchema, 'hunter22')).toBe(false);
  });

  it('replaces references anywhere in an options object, leaving the input untouched', async () => {
    const s = await store();
    const raw = { host: 'smtp', auth: { user: 'u', password: { secret: 'SMTP_PASSWORD' } }, urls: [{ secret: 'HOOK_URL' }, 'plain'] };
    const resolved = resolveSecretRefs(raw, s, at);
    expect(resolved).toEqual({
      host: 'smtp',
      auth: { user: 'u', password: 'hunter22-long' },
      urls: ['https://hooks.example/T0/B0/xyzsecret', 'plain'],
    });
    expect(raw.auth.password).toEqual({ secret: 'SMTP_PASSWORD' });
  });

  it('unknown names are E_CONFIG with the file and key path, listing known names', async () => {
    const s = await store();
    const e = await configError(() =>
      resolveSecretRefs({ auth: { password: { secret: 'SMTP_PASWORD' } }, list: [{ secret: 'NOPE' }] }, s, at),
    );
    expect(e.code).toBe('E_CONFIG');
    expect(e.problems.map((p) => `${p.file} ${p.path}: ${p.message}`)).toEqual([
      "/etc/unrot/global.yml notifications[0].options.auth.password: unknown secret 'SMTP_PASWORD'",
      "/etc/unrot/global.yml notifications[0].options.list[0]: unknown secret 'NOPE'",
    ]);
    expect(e.message).toContain('one of HOOK_URL, SMTP_PASSWORD');
    expect(e.message).not.toContain('hunter22-long');
  });

  it('says when no secrets files are configured at all', async () => {
    const { SecretStore } = await import('../../src/secrets/index.js');
    const { problems } = collectSecretRefs({ token: { secret: 'T' } }, new SecretStore(), at);
    expect(problems[0]?.expected).toBe('a name defined in secrets_files (none are configured)');
  });

  it('finds options marked x-secret written inline instead of as a reference', () => {
    const schema = Type.Object({
      url: Type.String({ 'x-secret': true }),
      auth: Type.Optional(Type.Object({ user: Type.String(), password: Type.String({ 'x-secret': true }) })),
      headers: Type.Optional(Type.Array(Type.Object({ name: Type.String(), value: Type.String({ 'x-secret': true }) }))),
    });
    const problems = findInlineSecrets(
      schema,
      {
        url: { secret: 'HOOK_URL' },
        auth: { user: 'u', password: 'hunter22-long' },
        headers: [{ name: 'X-Token', value: 'inline-token' }],
      },
      at,
    );
    expect(problems.map((p) => p.path)).toEqual(['notifications[0].options.auth.password', 'notifications[0].options.headers[0].value']);
    expect(problems[0]?.message).toContain('{ secret: NAME }');
    expect(JSON.stringify(problems)).not.toContain('hunter22-long');
    expect(findInlineSecrets(schema, { url: { secret: 'HOOK_URL' } }, at)).toEqual([]);
  });
});
