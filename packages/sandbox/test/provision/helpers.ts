import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Ports for test sandboxes: distinct from the default sandbox's 8431/8432/3101/3102 so both can run at once. */
export function testPorts(): { apt: string; pypi: string; web: string; py: string; api: string } {
  return {
    apt: process.env['UNROT_TEST_APT_PORT'] ?? '18431',
    pypi: process.env['UNROT_TEST_PYPI_PORT'] ?? '18432',
    web: process.env['UNROT_TEST_WEB_PORT'] ?? '13101',
    py: process.env['UNROT_TEST_PY_PORT'] ?? '13102',
    // Not 18006: api-daemon.test.ts serves there.
    api: process.env['UNROT_TEST_CYCLE_API_PORT'] ?? '18007',
  };
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** The host's environment without pip's own settings (this machine sets PIP_FIND_LINKS etc.),
 * so a pip test proves the index works and nothing else. */
export function envWithoutPip(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PIP_')));
}
