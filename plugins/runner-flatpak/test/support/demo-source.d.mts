export const RUNTIME_ID: string;
export const RUNTIME_BRANCH: string;
export const DEMO_APP: string;
export const OTHER_APP: string;
export const APP_BRANCH: string;
export function arch(): string;
export function repoPath(dir: string): string;
export function publishDemoApp(
  dir: string,
  id: string,
  version: string,
  opts?: { branch?: string; runtimeBranch?: string; extensionPoint?: string; broken?: boolean },
): void;
export function publishExtension(dir: string, id: string, appId: string, version: string): void;
export function publishRuntime(dir: string, subject?: string, branch?: string): void;
export function buildDemoSource(dir: string, opts?: { apps?: Record<string, string> }): { repo: string };
export function serveDemoSource(dir: string, port?: number): Promise<{ url: string; port: number; close: () => Promise<void> }>;
export function flatpakEnv(root: string): NodeJS.ProcessEnv;
export function installFromDemoSource(
  env: NodeJS.ProcessEnv,
  installation: 'system' | 'user',
  remoteUrl: string,
  refs: string[],
  name?: string,
): void;
export function run(argv: string[], env?: NodeJS.ProcessEnv): string;
