/** `a | b > file` without a shell: each stage spawned with an argv, stdout chained by pipes. */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { PveError } from '../pve-errors.js';

export interface PipelineResult {
  /** stderr of every stage, in stage order. */
  stderr: string[];
  codes: number[];
}

export async function pipeline(stages: string[][], outFile: string | undefined, stdinFile?: string): Promise<PipelineResult> {
  const outFd = outFile ? openSync(outFile, 'w') : undefined;
  const inFd = stdinFile ? openSync(stdinFile, 'r') : undefined;
  try {
    const children = stages.map((argv, i) => {
      const last = i === stages.length - 1;
      return spawn(argv[0]!, argv.slice(1), {
        stdio: [i === 0 ? (inFd ?? 'ignore') : 'pipe', last ? (outFd ?? 'pipe') : 'pipe', 'pipe'],
      });
    });
    for (let i = 0; i + 1 < children.length; i++) children[i]!.stdout!.pipe(children[i + 1]!.stdin!);
    const stderr = stages.map(() => '');
    let stdout = '';
    children.forEach((c, i) => {
      c.stderr!.setEncoding('utf8').on('data', (d: string) => {
        stderr[i] += d;
      });
    });
    const lastChild = children[children.length - 1]!;
    if (!outFd) lastChild.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const codes = await Promise.all(
      children.map(
        (c, i) =>
          new Promise<number>((resolve, reject) => {
            c.on('error', (err) => reject(new PveError(`failed to execute '${stages[i]![0]}': ${err.message}`)));
            c.on('close', (code) => resolve(code ?? 255));
          }),
      ),
    );
    if (!outFd) stderr.push(stdout);
    return { stderr, codes };
  } finally {
    if (outFd !== undefined) closeSync(outFd);
    if (inFd !== undefined) closeSync(inFd);
  }
}
