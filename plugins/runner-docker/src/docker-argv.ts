// Every docker command the runner runs, as argv (never a shell string). Names reaching these
// were validated by names.ts first.

export const DOCKER = 'docker';

export const versionArgv = (): string[] => [DOCKER, 'version', '--format', '{{json .}}'];
/** Ids of running containers (64 hex each); stopped containers are left alone. */
export const runningIdsArgv = (): string[] => [DOCKER, 'ps', '--quiet', '--no-trunc'];
export const inspectArgv = (ids: readonly string[]): string[] => [DOCKER, 'container', 'inspect', '--', ...ids];
export const imageInspectArgv = (ids: readonly string[]): string[] => [DOCKER, 'image', 'inspect', '--', ...ids];
export const manifestInspectArgv = (ref: string, insecure: boolean): string[] => [
  DOCKER,
  'manifest',
  'inspect',
  '--verbose',
  ...(insecure ? ['--insecure'] : []),
  '--',
  ref,
];
export const pullArgv = (ref: string): string[] => [DOCKER, 'pull', '--quiet', '--', ref];
export const tagArgv = (from: string, to: string): string[] => [DOCKER, 'tag', from, to];
export const stopArgv = (name: string, timeoutS: number): string[] => [DOCKER, 'stop', `--time=${timeoutS}`, '--', name];
export const renameArgv = (from: string, to: string): string[] => [DOCKER, 'rename', from, to];
export const startArgv = (name: string): string[] => [DOCKER, 'start', '--', name];
export const removeArgv = (name: string): string[] => [DOCKER, 'rm', '--', name];
export const forceRemoveArgv = (name: string): string[] => [DOCKER, 'rm', '--force', '--', name];
/** Every local image id, intermediate ones included (what pruning may consider). */
export const allImagesArgv = (): string[] => [DOCKER, 'image', 'ls', '--all', '--quiet', '--no-trunc'];
/** Every container, stopped ones included: an image any of them uses is never pruned. */
export const allContainerIdsArgv = (): string[] => [DOCKER, 'ps', '--all', '--quiet', '--no-trunc'];
/** Without --force: docker itself refuses an image a container uses or that has children. */
export const imageRemoveArgv = (id: string): string[] => [DOCKER, 'image', 'rm', '--', id];
export const logsTailArgv = (name: string): string[] => [DOCKER, 'logs', '--tail=20', '--', name];

/**
 * The env-file docker create reads: environment values may be secrets, so they never enter argv.
 * They are written through stdin into a root-only file under /run (docker's --env-file=/dev/stdin
 * fails with ENXIO when stdin is a socket, as under node's child_process, measured).
 */
export const envFilePath = (name: string): string => `/run/unrot-docker-${name}.env`;
export const envFileCreateArgv = (name: string): string[] => ['install', '-m', '600', '/dev/null', envFilePath(name)];
export const envFileWriteArgv = (name: string): string[] => ['dd', `of=${envFilePath(name)}`, 'conv=notrunc', 'status=none'];
export const envFileRemoveArgv = (name: string): string[] => ['rm', '-f', '--', envFilePath(name)];

/** The name the old container keeps until its replacement runs. */
export const oldName = (name: string): string => `${name.slice(0, 110)}-unrot-old`;
