export interface DemoPackage {
  name: string;
  versions: string[];
  require?: Record<string, string>;
  type?: string;
  extra?: Record<string, unknown>;
  source?: string;
}
export const DEMO_PACKAGES: DemoPackage[];
export function zipFiles(files: Record<string, string>): Buffer;
export const DEFAULT_BASE_URL: string;
export function buildDemoSource(dir: string, baseUrl?: string): void;
export function serveDemoSource(
  dir: string,
  port?: number,
  options?: { auth?: string },
): Promise<{ url: string; port: number; requests: string[]; close: () => Promise<void> }>;
