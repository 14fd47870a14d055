export function userInstallationEnv(env: NodeJS.ProcessEnv, root: string, user?: string): NodeJS.ProcessEnv;
export function startPrivateSystemBus(dir: string, user?: string): Promise<{ address: string; close: () => Promise<void> }>;
export function runAs(user: string, args: string[], env: NodeJS.ProcessEnv): string;
export function installAsUser(user: string, env: NodeJS.ProcessEnv, remoteUrl: string, refs: string[]): void;
