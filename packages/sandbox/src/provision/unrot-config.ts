import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PY_VENV, PY_VMID } from './py-ct.js';
import type { SandboxSettings } from './settings.js';
import { WEB_APP_DIR, WEB_VMID } from './web-ct.js';

/** The unrot config files the demo runs with (schemas: packages/engine/src/policy/). */
export function unrotConfigFiles(s: SandboxSettings): Record<string, string> {
  const state = join(s.paths.root, 'unrot-state');
  return {
    'global.yml': [
      '# global.yml of the sandbox made by `unrot-sandbox up` (same keys as examples/global.yml).',
      '# Use it with: PATH=packages/sandbox/bin:$PATH unrot run --config <this directory>',
      '',
      '# How many containers are updated at the same time.',
      'max_concurrency: 2',
      '',
      '# The sandbox node (UNROT_SANDBOX_NODE or the short host name), as pvesh sees it.',
      `node: ${s.paths.node}`,
      '',
      '# Reports and logs stay inside the sandbox root, so `unrot-sandbox down` removes them too.',
      `state_dir: ${state}`,
      '',
      'defaults:',
      '  retries: 1',
      '  runners:',
      '    os: apt # both CTs are Debian 12; the local repo offers unrot-sandbox-demo 1.1',
      '',
      '# Only the sandbox CTs.',
      'targets:',
      `  allow: [${WEB_VMID}, ${PY_VMID}]`,
      '',
    ].join('\n'),
    [`containers/${WEB_VMID}.yml`]: [
      '# CT 101 web101 (privileged, systemd): Debian packages plus the npm project of web-app.service.',
      'runners:',
      '  os: apt',
      '  npm:',
      `    projects: [${WEB_APP_DIR}] # ms is at 2.0.0 while ^2.0.0 wants 2.1.3`,
      '',
    ].join('\n'),
    [`containers/${PY_VMID}.yml`]: [
      '# CT 102 py102 (unprivileged): Debian packages plus the venv of the Python app.',
      'runners:',
      '  os: apt',
      '  pip:',
      `    venvs: [${PY_VENV}] # unrot-demo-lib is at 1.0.0 while the local index has 1.1.0`,
      '',
    ].join('\n'),
  };
}

export async function writeUnrotConfig(s: SandboxSettings): Promise<void> {
  for (const [rel, text] of Object.entries(unrotConfigFiles(s))) {
    const file = join(s.configDir, rel);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, text);
  }
}
