export interface DemoGem {
  name: string;
  versions: string[];
  failingBuild?: string;
}
export const DEMO_GEMS: DemoGem[];
export const NATIVE_BUILD_ERROR: string;
export function buildDemoSource(dir: string, env?: NodeJS.ProcessEnv): string;
export interface DemoSourceServer {
  url: string;
  port: number;
  requests: string[];
  close(): Promise<void>;
}
export function serveDemoSource(dir: string, port?: number): Promise<DemoSourceServer>;
