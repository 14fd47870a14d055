import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixturesDir } from './fixtures.js';
import { buildWheel, normalizeName, type WheelSpec } from './wheel.js';

export const DEMO_LIB = 'unrot-demo-lib';
export const DEMO_LIB_VERSIONS = ['1.0.0', '1.1.0'] as const;

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Writes a PEP 503 "simple" index under `dir`: `simple/index.html`, `simple/<project>/index.html`
 * with `#sha256=` links, and the wheels in `packages/`. Serve `dir` and point pip at `/simple/`.
 */
export async function writeSimpleIndex(dir: string, wheels: readonly WheelSpec[]): Promise<string[]> {
  const byProject = new Map<string, Array<{ fileName: string; sha256: string }>>();
  await mkdir(join(dir, 'packages'), { recursive: true });
  for (const spec of wheels) {
    const { fileName, data } = buildWheel(spec);
    await writeFile(join(dir, 'packages', fileName), data);
    const project = normalizeName(spec.name);
    const list = byProject.get(project) ?? [];
    list.push({ fileName, sha256: createHash('sha256').update(data).digest('hex') });
    byProject.set(project, list);
  }
  const projects = [...byProject.keys()].sort();
  const page = (title: string, links: string[]) =>
    `<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.0"><title>${escapeHtml(title)}</title></head><body>\n${links.join('\n')}\n</body></html>\n`;
  await mkdir(join(dir, 'simple'), { recursive: true });
  await writeFile(
    join(dir, 'simple', 'index.html'),
    page(
      'Simple index',
      projects.map((p) => `<a href="${p}/">${p}</a><br>`),
    ),
  );
  for (const project of projects) {
    await mkdir(join(dir, 'simple', project), { recursive: true });
    const links = (byProject.get(project) ?? []).map(
      (w) => `<a href="../../packages/${escapeHtml(w.fileName)}#sha256=${w.sha256}">${escapeHtml(w.fileName)}</a><br>`,
    );
    await writeFile(join(dir, 'simple', project, 'index.html'), page(`Links for ${project}`, links));
  }
  return projects;
}

/** The wheels of the sandbox: unrot-demo-lib 1.0.0 (installed in CT 102) and 1.1.0 (the update). */
export async function demoWheels(): Promise<WheelSpec[]> {
  const source = await readFile(join(fixturesDir(), 'pypi', 'unrot_demo_lib', '__init__.py'), 'utf8');
  return DEMO_LIB_VERSIONS.map((version) => ({
    name: DEMO_LIB,
    version,
    summary: 'tiny demo library of the unrot sandbox',
    files: { 'unrot_demo_lib/__init__.py': source.replaceAll('@VERSION@', version) },
  }));
}
