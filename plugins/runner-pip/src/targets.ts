import type { PipOptions } from './options.js';

/** One pip-managed environment: a venv or the system interpreter. */
export interface PipTarget {
  kind: 'venv' | 'system';
  /** Reported as Update.scope: the venv path, or "system". */
  scope: string;
  python: string;
}

export const SYSTEM_SCOPE = 'system';
export const PIPX_SCOPE_PREFIX = 'pipx:';

export function pipTargets(options: PipOptions): PipTarget[] {
  const targets: PipTarget[] = options.venvs.map((venv) => {
    const path = venv.length > 1 ? venv.replace(/\/+$/, '') : venv;
    return { kind: 'venv' as const, scope: path, python: `${path}/bin/python` };
  });
  // python3, not python: Debian and Ubuntu have no "python" unless python-is-python3 is installed.
  if (options.system) targets.push({ kind: 'system', scope: SYSTEM_SCOPE, python: 'python3' });
  return targets;
}

const quiet = '--disable-pip-version-check';

export const pipArgv = {
  version: (t: PipTarget) => [t.python, '-m', 'pip', '--version'],
  list: (t: PipTarget) => [t.python, '-m', 'pip', 'list', '--format=json', quiet],
  outdated: (t: PipTarget) => [t.python, '-m', 'pip', 'list', '--outdated', '--format=json', quiet],
  /** pip ≥ 22.2 resolves without installing and prints what it would install (PEP 668 is not checked here). */
  dryRun: (t: PipTarget, options: PipOptions, specs: readonly string[]) => [
    t.python,
    ...['-m', 'pip', 'install', '--dry-run', '--report', '-', '--quiet', '--no-input', quiet, '--upgrade'],
    ...(options.constraints ? ['-c', options.constraints] : []),
    ...specs,
  ],
  install: (t: PipTarget, options: PipOptions, pins: readonly string[]) => [
    t.python,
    ...['-m', 'pip', 'install', '--no-input', quiet, '--upgrade'],
    ...(t.kind === 'system' && options.break_system_packages ? ['--break-system-packages'] : []),
    ...(options.constraints ? ['-c', options.constraints] : []),
    ...pins,
  ],
  /** Prints the PEP 668 marker path when this interpreter is externally managed (pip's own test: not in a venv). */
  externallyManaged: (t: PipTarget) => [
    t.python,
    '-c',
    "import os,sys,sysconfig;p=os.path.join(sysconfig.get_path('stdlib'),'EXTERNALLY-MANAGED');print(p if sys.prefix==sys.base_prefix and os.path.isfile(p) else '')",
  ],
};

export const pipxArgv = {
  version: () => ['pipx', '--version'],
  venvsDir: () => ['pipx', 'environment', '--value', 'PIPX_LOCAL_VENVS'],
  list: () => ['pipx', 'list', '--json'],
  upgrade: (venv: string) => ['pipx', 'upgrade', venv],
};

/** `pip config list`: every setting pip sees (files and PIP_* environment), as `section.key='repr'` lines. */
export const pipConfigListArgv = (t: PipTarget): string[] => [t.python, '-m', 'pip', 'config', 'list', quiet];
