// A contender for unrot's locks, as its own process, driven line by line on stdin so one process
// can take part in many rounds: `run PATH RUNID` / `ct VMID RUNID` takes the lock through the
// built engine (packages/engine/dist) and prints WON or LOST <code> <message>; `release` releases
// it and prints RELEASED. At end of input it exits; a lock still held dies with the process.
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const lockModule = new URL('../../packages/engine/dist/safety/run-lock.js', import.meta.url);
const { acquireRunLock, acquireContainerLock } = await import(pathToFileURL(lockModule.pathname).href);
let lock;
process.stdout.write('READY\n');
for await (const line of createInterface({ input: process.stdin })) {
  const [verb, target, runId] = line.split(' ');
  if (verb === 'release') {
    await lock?.release();
    lock = undefined;
    process.stdout.write('RELEASED\n');
    continue;
  }
  try {
    lock = verb === 'ct' ? await acquireContainerLock(Number(target), runId) : await acquireRunLock(target, runId);
    process.stdout.write('WON\n');
  } catch (error) {
    process.stdout.write(`LOST ${error.code} ${error.message}\n`);
  }
}
process.exit(0);
