export type Env = Record<string, string>;
export function composerEnv(root: string): Env;
export function run(argv: string[], env: Env): Promise<string>;
export function makeProject(
  dir: string,
  repoUrl: string,
  env: Env,
  constraints: Record<string, string>,
  installed: Record<string, string>,
  extra?: Record<string, unknown>,
  dev?: { constraints: Record<string, string>; installed: Record<string, string> },
): Promise<void>;
export function lockedVersion(dir: string, name: string): string | undefined;
export function installedVersion(dir: string, name: string): string | undefined;
export function constraintOf(dir: string, name: string): string | undefined;
