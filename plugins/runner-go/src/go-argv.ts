import { GO_ENV_NAMES } from './parse-go-json.js';

/**
 * Every argv the runner runs. `-mod=mod` is given on the command line because a GOFLAGS with
 * -mod=vendor (measured, Go 1.19) makes both `go list -m M@latest` and `go install M@V` fail
 * with "cannot query module due to -mod=vendor"; a command-line flag overrides GOFLAGS, and the
 * rest of GOFLAGS (-trimpath, -tags, -ldflags …) still applies.
 */
export const goArgv = {
  version: (go: string) => [go, 'version'],
  env: (go: string) => [go, 'env', '-json', ...GO_ENV_NAMES],
  buildInfo: (go: string, paths: readonly string[]) => [go, 'version', '-m', ...paths],
  /** `latest`, or a major prefix (`v2`: the newest v2.x.y), answered by the proxy under go's rules. */
  query: (go: string, modulePath: string, query: string) => [go, 'list', '-m', '-mod=mod', '-json', `${modulePath}@${query}`],
  /** GOBIN names the binary's own directory, so the new build replaces the same file. */
  install: (go: string, bindir: string, packagePath: string, version: string) => [
    'env',
    `GOBIN=${bindir}`,
    go,
    'install',
    '-mod=mod',
    `${packagePath}@${version}`,
  ],
};
