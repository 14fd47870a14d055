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
/** The release the sandbox drills publish: it installs, but loading its class throws. */
export const BROKEN_RELEASE: { name: string; version: string; message: string };
export function buildDemoSource(dir: string, baseUrl?: string, options?: { broken?: boolean }): void;
export function serveDemoSource(
  dir: string,
  port?: number,
  options?: { auth?: string },
): Promise<{ url: string; port: number; requests: string[]; close: () => Promise<void> }>;
