import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { APPS_DRILL_ROOT, APPS_DRILL_RUN_FILE, APPS_DRILL_RUN_KEY, APPS_DRILL_VARS } from './apps-drill-env.js';

// globalSetup of the lxc project: gives the run an id (the apps drill sandbox is trusted only
// within the run that brought it up) and downs that sandbox after the run's last file.
const sandboxBin = join(dirname(fileURLToPath(import.meta.url)), '../../packages/sandbox/bin/unrot-sandbox');

export default function setup(project: TestProject): () => void {
  const runId = randomUUID();
  project.provide(APPS_DRILL_RUN_KEY, runId);
  return () => {
    let broughtUpBy = '';
    try {
      broughtUpBy = readFileSync(APPS_DRILL_RUN_FILE, 'utf8');
    } catch {
      return; // no drill file of this run brought it up
    }
    if (broughtUpBy !== runId) return;
    const env = { ...process.env, UNROT_SANDBOX_ROOT: APPS_DRILL_ROOT, ...APPS_DRILL_VARS };
    const r = spawnSync(sandboxBin, ['down'], { env, encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) console.error(`apps drill sandbox: down exited ${r.status}: ${r.stderr}${r.stdout}`);
  };
}
