import { randomBytes } from 'node:crypto';
import { readFile, readlink, rename, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { UnrotError } from '@unrot/sdk';
import { REPORT_SCHEMA_ID, type RunReport } from './run-report.js';

export const LATEST = 'latest';
const RUN_ID = /^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$/;

/**
 * Points `<state_dir>/runs/latest` at `runId` (a relative symlink), replacing the old pointer
 * atomically: the link is made under a temporary name, then renamed over `latest`.
 */
export async function updateLatestPointer(stateDir: string, runId: string): Promise<void> {
  const runs = join(stateDir, 'runs');
  const tmp = join(runs, `.latest.${process.pid}.${randomBytes(4).toString('hex')}`);
  await symlink(runId, tmp);
  try {
    await rename(tmp, join(runs, LATEST));
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}

/** The run id `latest` points at, or undefined when no run has finished yet. */
export async function latestRunId(stateDir: string): Promise<string | undefined> {
  try {
    return await readlink(join(stateDir, 'runs', LATEST));
  } catch {
    return undefined;
  }
}

/**
 * Reads `<state_dir>/runs/<runId>/report.json` (`latest` when no id is given). A missing or
 * malformed id is E_USAGE; an unreadable or foreign file is E_REPORT_INVALID.
 */
export async function readRunReport(stateDir: string, runId?: string): Promise<{ report: RunReport; path: string }> {
  const id = runId ?? (await latestRunId(stateDir));
  if (id === undefined) throw new UnrotError('E_USAGE', `no run has finished yet: ${join(stateDir, 'runs', LATEST)} does not exist`);
  // A `latest` link that names no run id is not followed (and its target not echoed).
  if (runId === undefined && !RUN_ID.test(id))
    throw new UnrotError(
      'E_INTERNAL',
      `${join(stateDir, 'runs', LATEST)} does not point at a run id; remove it (the next run recreates it)`,
    );
  if (!RUN_ID.test(id)) throw new UnrotError('E_USAGE', `'${id}' is not a run id (expected like 20261126T021500Z-3fa9c2)`);
  const path = join(stateDir, 'runs', id, 'report.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UnrotError('E_USAGE', `no report for run ${id}: ${path} does not exist`);
    throw new UnrotError('E_INTERNAL', `${path} cannot be read (${code ?? String(error)})`);
  }
  let report: RunReport;
  try {
    report = JSON.parse(text) as RunReport;
  } catch {
    throw new UnrotError('E_INTERNAL', `${path} is not valid JSON`);
  }
  if (report?.schema !== REPORT_SCHEMA_ID) throw new UnrotError('E_INTERNAL', `${path} is not an ${REPORT_SCHEMA_ID} report`);
  return { report, path };
}
