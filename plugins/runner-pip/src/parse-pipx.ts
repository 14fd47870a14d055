import { UnrotError } from '@unrot/sdk';

export interface PipxApp {
  /** The venv name under PIPX_LOCAL_VENVS, also what `pipx upgrade` takes. */
  venv: string;
  package: string;
  version: string;
}

/** `pipx list --json` (pipx ≥ 0.15): { venvs: { NAME: { metadata: { main_package: { package, package_version } } } } }. */
export function parsePipxList(stdout: string): PipxApp[] {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch (error) {
    throw new UnrotError('E_RUNNER_PARSE', `pipx list --json printed no JSON: ${stdout.trim().slice(0, 200)}`, {}, { cause: error });
  }
  const venvs = (data as { venvs?: unknown })?.venvs;
  if (typeof venvs !== 'object' || venvs === null) throw new UnrotError('E_RUNNER_PARSE', 'pipx list --json has no "venvs" object');
  return Object.entries(venvs as Record<string, { metadata?: { main_package?: Record<string, unknown> } }>).map(([venv, entry]) => {
    const main = entry?.metadata?.main_package;
    if (typeof main?.package !== 'string' || typeof main?.package_version !== 'string') {
      throw new UnrotError('E_RUNNER_PARSE', `pipx list --json: venv ${venv} has no main_package name/version`);
    }
    return { venv, package: main.package, version: main.package_version };
  });
}
