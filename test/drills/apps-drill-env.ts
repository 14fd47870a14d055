import { join } from 'node:path';

/**
 * The `apps` sandbox (CT 101 and 102) that the sandbox, health, policy, hook and wave drill files share: one `up` per
 * vitest run instead of one per file (40–80 s each on the CI machine). The first of those files in
 * a run brings it up fresh and snapshots both CTs; every later one rolls both back to that snapshot,
 * deletes any snapshot taken since and runs `up` again (it starts the CTs and waits for their
 * /health), so each file still starts from the state `up` left. One file at a time, as the lxc
 * project runs its files; its globalSetup (apps-drill-teardown.ts) downs the sandbox after the run.
 * Without dependencies, so that globalSetup can load it outside a test worker.
 */
export const APPS_DRILL_ROOT = '/var/lib/unrot-sandbox-apps-drills';
export const APPS_DRILL_PORTS = { apt: 8631, pypi: 8632, api: 8636, web: 3301, py: 3302 } as const;
export const APPS_DRILL_VARS: Readonly<Record<string, string>> = {
  UNROT_SANDBOX_CTS: 'apps',
  UNROT_SANDBOX_APT_PORT: String(APPS_DRILL_PORTS.apt),
  UNROT_SANDBOX_PYPI_PORT: String(APPS_DRILL_PORTS.pypi),
  UNROT_SANDBOX_API_PORT: String(APPS_DRILL_PORTS.api),
  UNROT_SANDBOX_WEB_PORT: String(APPS_DRILL_PORTS.web),
  UNROT_SANDBOX_PY_PORT: String(APPS_DRILL_PORTS.py),
};
/** Names the vitest run that brought the sandbox up: a sandbox an earlier (maybe killed) run left is not trusted. */
export const APPS_DRILL_RUN_FILE = join(APPS_DRILL_ROOT, 'drill-run');
/** The key under which globalSetup provides the run's id (vitest provide/inject). */
export const APPS_DRILL_RUN_KEY = 'appsDrillRun';

declare module 'vitest' {
  export interface ProvidedContext {
    appsDrillRun: string;
  }
}
