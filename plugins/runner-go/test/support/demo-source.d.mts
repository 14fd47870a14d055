export interface DemoModule {
  module: string;
  version: string;
  files: Record<string, string>;
}
export interface DemoOptions {
  /** Adds example.test/hello v1.2.0, which does not compile. */
  broken?: boolean;
  /** Adds example.test/hello v1.2.0, which builds but exits 1 with CRASHING_MESSAGE (not with broken). */
  crashing?: boolean;
}
export const CRASHING_MESSAGE: string;
export function demoModules(options?: DemoOptions): DemoModule[];
export function zipFiles(entries: [string, string][]): Buffer;
export function buildDemoSource(dir: string, options?: DemoOptions): string;
export function serveDemoSource(dir: string, port?: number): Promise<{ url: string; port: number; close: () => Promise<void> }>;
