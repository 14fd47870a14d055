import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runUnrot } from '@unrot/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryHost } from '../../packages/engine/src/host/memory-host.js';
import { copyPolicy, type MemoryCases, memCt, memoryCases } from '../../packages/engine/test/lifecycle/fake-host-harness.js';
import { APT_STDERR, APT_STDOUT, DPKG_ERROR_ARCHIVE } from './apt-dpkg-failure.js';

// The failing command's output now reaches the report (error.output) and the container's log. A
// secret the command printed (a token in a mirror URL, say) must reach neither: the report is
// redacted as a whole by publish, the worker's log lines by their redacting destination.

const SECRET = 'mirrorTok-7Qx2Lp9';
let cases: MemoryCases;

beforeAll(async () => {
  cases = await memoryCases();
});

describe('error.output and the logged output tail are redacted', () => {
  it('a secret printed by the failing command is in no report or log file; the dpkg line is', async () => {
    const dir = await cases.setup('', { 101: copyPolicy(1) });
    const secrets = join(dir, 'secrets.env');
    await writeFile(secrets, `MIRROR_TOKEN=${SECRET}\n`);
    await chmod(secrets, 0o600);
    const global = join(dir, 'config/global.yml');
    await writeFile(
      global,
      `state_dir: ${join(dir, 'state')}\nsecrets_files: [${secrets}]\ndefaults:\n  backup: { mode: none }\n  runners: { os: none }\n  retries: 0\npreflight: { max_load: 100000 }\n`,
    );
    const host = new MemoryHost({
      containers: [memCt(101, 'running', { [join(dir, 'src1')]: 'v2\n', [join(dir, 'dst1')]: 'v1\n' })],
      exec: ({ argv }) =>
        argv[0] === 'cp'
          ? { exitCode: 100, stdout: APT_STDOUT, stderr: `W: Failed to fetch https://u:${SECRET}@mirror.example/debian\n${APT_STDERR}` }
          : undefined,
    });

    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [cases.pluginRoot], host });

    const ct = run.report.containers.find((c) => c.vmid === 101);
    expect(ct?.outcome).toBe('failed');
    expect(ct?.error?.output).toContain(DPKG_ERROR_ARCHIVE);
    // The line that held the secret is there, scrubbed: redaction, not a lost line.
    expect(ct?.error?.output?.some((l) => l.startsWith('W: Failed to fetch https://u:') && l.includes('@mirror.example'))).toBe(true);
    const runDir = run.report.logDir;
    const files = await readdir(runDir);
    expect(files).toContain('ct-101.jsonl');
    for (const f of files) {
      const text = await readFile(join(runDir, f), 'utf8');
      expect(text.includes(SECRET), `${f} leaks the secret`).toBe(false);
    }
    const ctLog = await readFile(join(runDir, 'ct-101.jsonl'), 'utf8');
    expect(ctLog).toContain('dpkg: error processing archive');
    expect(JSON.stringify(run.report).includes(SECRET)).toBe(false);
  });
});
