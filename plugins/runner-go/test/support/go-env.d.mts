export function goEnv(root: string, proxyUrl: string, extra?: Record<string, string>): Record<string, string>;
export function goInstall(env: Record<string, string>, bindir: string, spec: string): Promise<void>;
export function moduleOf(env: Record<string, string>, file: string): { path?: string; module?: string; version?: string };
export function hashTree(dir: string): Record<string, string>;
