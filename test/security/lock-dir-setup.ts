import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// unrot's run lock and container locks are host-wide (/run/lock/unrot): two test files running
// real (non-dry) runs at once would be two unrot runs on one host and one would exit 4. Each
// test process (vitest forks one per file) gets its own lock directory; the CLI processes and
// worker threads it starts inherit it.
const env = process.env;
if (!env['UNROT_LOCK_DIR']) env['UNROT_LOCK_DIR'] = mkdtempSync(join(tmpdir(), 'unrot-locks-'));
