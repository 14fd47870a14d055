import { chown, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSecrets, parseEnvFile } from '../../src/secrets/index.js';
import { configError, secretsFile, tempDir } from './helpers.js';

describe('env file parsing', () => {
  it('reads KEY=value lines with comments, export and quotes', () => {
    const { entries, problems } = parseEnvFile(
      ['# smtp', '', 'SMTP_PASSWORD=p@ss=word#1', 'export HOOK_TOKEN="abc def"', "  QUOTED='x=y' ", 'EMPTYISH='].join('\n'),
      '/etc/unrot/secrets.env',
    );
    expect(problems).toEqual([]);
    expect(entries.map((e) => [e.name, e.value, e.line])).toEqual([
      ['SMTP_PASSWORD', 'p@ss=word#1', 3],
      ['HOOK_TOKEN', 'abc def', 4],
      ['QUOTED', 'x=y', 5],
      ['EMPTYISH', '', 6],
    ]);
  });

  it('reports bad lines by file and line, without quoting values', () => {
    const { problems } = parseEnvFile(['no equals sign here', '1BAD=x', 'A="unterminated', 'B=one', 'B=two'].join('\n'), '/s.env');
    expect(problems.map((p) => `${p.line} ${p.message}`)).toEqual([
      '1 not a KEY=value line',
      "2 '1BAD' is not a valid secret name",
      '3 unterminated quoted value',
      '5 defined twice (first on line 4)',
    ]);
    expect(JSON.stringify(problems)).not.toContain('unterminated"');
  });
});

describe('loading secrets files', () => {
  it('loads a 0600 file owned by the current user', async () => {
    const dir = await tempDir();
    const file = await secretsFile(dir, 'secrets.env', 'SMTP_PASSWORD=hunter22-long\nHOOK_TOKEN=tok-123456\n');
    const store = await loadSecrets([file]);
    expect(store.names()).toEqual(['HOOK_TOKEN', 'SMTP_PASSWORD']);
    expect(store.get('SMTP_PASSWORD')).toEqual({ value: 'hunter22-long', file, line: 1 });
    // Printing the store never prints values.
    expect(JSON.stringify(store)).toBe('{"names":["HOOK_TOKEN","SMTP_PASSWORD"]}');
  });

  for (const mode of [0o640, 0o604, 0o660, 0o644, 0o610]) {
    it(`refuses a file with mode 0${mode.toString(8)} (group/others bits), naming the file and its mode`, async () => {
      const dir = await tempDir();
      const file = await secretsFile(dir, 'secrets.env', 'SMTP_PASSWORD=hunter22-long\n', mode);
      const e = await configError(() => loadSecrets([file]));
      expect(e.code).toBe('E_CONFIG');
      expect(e.message).toContain(file);
      expect(e.message).toContain(`mode 0${mode.toString(8)}`);
      expect(e.message).toContain('chmod 600');
      expect(e.message).not.toContain('hunter22-long');
    });
  }

  it('refuses a file owned by another user', async () => {
    const dir = await tempDir();
    const file = await secretsFile(dir, 'secrets.env', 'SMTP_PASSWORD=hunter22-long\n');
    let e: Awaited<ReturnType<typeof configError>>;
    if (process.getuid?.() === 0) {
      await chown(file, 65534, 65534); // nobody
      e = await configError(() => loadSecrets([file]));
      expect(e.message).toContain('owned by uid 65534');
    } else {
      // Not root: the file is ours; allowing only root makes it "someone else's".
      e = await configError(() => loadSecrets([file], { allowedUids: [] }));
      expect(e.message).toContain(`owned by uid ${process.getuid?.()}`);
    }
    expect(e.code).toBe('E_CONFIG');
    expect(e.message).toContain(file);
  });

  it('refuses a symbolic link and a missing file, collecting every problem', async () => {
    const dir = await tempDir();
    const real = await secretsFile(dir, 'real.env', 'A_SECRET=abcdefgh\n');
    const link = join(dir, 'link.env');
    await symlink(real, link);
    const e = await configError(() => loadSecrets([link, join(dir, 'missing.env')]));
    expect(e.problems.map((p) => p.message)).toEqual(['secrets file is a symbolic link (refused)', 'secrets file does not exist']);
  });

  it('refuses a name defined in two files and values too short to redact', async () => {
    const dir = await tempDir();
    const a = await secretsFile(dir, 'a.env', 'TOKEN=abcdefgh\n');
    const b = await secretsFile(dir, 'b.env', '\nTOKEN=zyxwvuts\nPIN=q7z\n');
    const e = await configError(() => loadSecrets([a, b]));
    expect(e.problems.map((p) => `${p.file}:${p.line} ${p.path}: ${p.message}`)).toEqual([
      `${b}:2 TOKEN: already defined in ${a}:1`,
      `${b}:3 PIN: value is shorter than 4 characters (too short to redact safely)`,
    ]);
    expect(e.message).not.toContain('zyxwvuts');
    expect(e.message).not.toContain('q7z');
  });
});
