import { UnrotError } from '@unrot/sdk';

function parseObject(stdout: string, what: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch (error) {
    throw new UnrotError('E_RUNNER_PARSE', `${what} printed no JSON: ${stdout.trim().slice(0, 200)}`, {}, { cause: error });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new UnrotError('E_RUNNER_PARSE', `${what} printed JSON that is not an object`);
  return data as Record<string, unknown>;
}

/** `go list -m -json MODULE@latest`: { Path, Version, Time, GoMod, GoVersion, Retracted?, Deprecated? }. */
export function parseModuleQuery(stdout: string): { path: string; version: string; deprecated?: string } {
  const data = parseObject(stdout, 'go list -m -json');
  if (typeof data.Path !== 'string' || typeof data.Version !== 'string')
    throw new UnrotError('E_RUNNER_PARSE', 'go list -m -json printed no Path/Version');
  return { path: data.Path, version: data.Version, ...(typeof data.Deprecated === 'string' ? { deprecated: data.Deprecated } : {}) };
}

/** The variables the runner reads from `go env -json NAME…` (every name is printed, "" when unset). */
export const GO_ENV_NAMES = [
  'GOBIN',
  'GOPATH',
  'GOMODCACHE',
  'GOCACHE',
  'GOPROXY',
  'GONOPROXY',
  'GOPRIVATE',
  'GONOSUMDB',
  'GOSUMDB',
  'GOINSECURE',
  'GOFLAGS',
] as const;
export type GoEnv = Record<(typeof GO_ENV_NAMES)[number], string>;

export function parseGoEnv(stdout: string): GoEnv {
  const data = parseObject(stdout, 'go env -json');
  const env = {} as GoEnv;
  for (const name of GO_ENV_NAMES) env[name] = typeof data[name] === 'string' ? (data[name] as string) : '';
  return env;
}
