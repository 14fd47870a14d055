import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A temporary directory of stand-in host tools (`pct`, `pvesh`, …) written by a test as small
 * /bin/sh scripts. Put first on PATH, they are what PctHost runs — the same lookup the sandbox
 * and a real Proxmox host go through.
 */
export interface FakeTools {
  dir: string;
  /** PATH to give PctHost: the fake directory first, then the system's (for sh, cat, sleep…). */
  path: string;
  write(name: string, body: string): string;
  cleanup(): void;
}

export function createFakeTools(): FakeTools {
  const dir = mkdtempSync(join(tmpdir(), 'unrot-fake-pct-'));
  return {
    dir,
    path: `${dir}:/usr/local/bin:/usr/bin:/bin`,
    write(name, body) {
      const file = join(dir, name);
      writeFileSync(file, `#!/bin/sh\n${body}\n`);
      chmodSync(file, 0o755);
      return file;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Single-quotes a path for embedding in a test's sh script (fixture paths contain no quote). */
export function q(path: string): string {
  if (path.includes("'")) throw new Error(`unexpected quote in ${path}`);
  return `'${path}'`;
}
