export interface DemoGem {
  name: string;
  versions: string[];
  failingBuild?: string;
}
export const DEMO_GEMS: DemoGem[];
export const NATIVE_BUILD_ERROR: string;
/** The release the sandbox drills publish: it installs, but requiring it raises. */
export const BROKEN_RELEASE: { name: string; version: string; message: string };
export function buildDemoSource(dir: string, env?: NodeJS.ProcessEnv, options?: { broken?: boolean }): string;
export interface DemoSourceServer {
  url: string;
  port: number;
  requests: string[];
  close(): Promise<void>;
}
export function serveDemoSource(dir: string, port?: number): Promise<DemoSourceServer>;
