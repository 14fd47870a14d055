import { createHash } from 'node:crypto';
import { writeZip, type ZipEntry } from './zip.js';

export interface WheelSpec {
  /** Project name as users type it, e.g. `unrot-demo-lib`. */
  name: string;
  version: string;
  summary: string;
  /** Module files, path inside the wheel → content (e.g. `unrot_demo_lib/__init__.py`). */
  files: Record<string, string>;
  requires?: string[];
}

/** PEP 503 normalised name (`Unrot_Demo.Lib` → `unrot-demo-lib`). */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Wheel file names use the name with runs of `-_.` collapsed to `_` (binary distribution format). */
export function wheelFileName(spec: Pick<WheelSpec, 'name' | 'version'>): string {
  return `${normalizeName(spec.name).replace(/-/g, '_')}-${spec.version}-py3-none-any.whl`;
}

function recordHash(data: Buffer): string {
  return `sha256=${createHash('sha256').update(data).digest('base64url')}`;
}

/**
 * Builds a pure-Python wheel without setuptools or network: METADATA, WHEEL and RECORD
 * are written as the binary distribution format (PEP 427/491) specifies.
 */
export function buildWheel(spec: WheelSpec): { fileName: string; data: Buffer } {
  const distInfo = `${normalizeName(spec.name).replace(/-/g, '_')}-${spec.version}.dist-info`;
  const metadata = [
    'Metadata-Version: 2.1',
    `Name: ${spec.name}`,
    `Version: ${spec.version}`,
    `Summary: ${spec.summary}`,
    ...(spec.requires ?? []).map((r) => `Requires-Dist: ${r}`),
    '',
    '',
  ].join('\n');
  const wheel = ['Wheel-Version: 1.0', 'Generator: unrot-sandbox', 'Root-Is-Purelib: true', 'Tag: py3-none-any', '', ''].join('\n');
  const entries: ZipEntry[] = [
    ...Object.entries(spec.files).map(([name, text]) => ({ name, data: Buffer.from(text, 'utf8') })),
    { name: `${distInfo}/METADATA`, data: Buffer.from(metadata, 'utf8') },
    { name: `${distInfo}/WHEEL`, data: Buffer.from(wheel, 'utf8') },
  ];
  const record = `${[...entries.map((e) => `${e.name},${recordHash(e.data)},${e.data.length}`), `${distInfo}/RECORD,,`].join('\n')}\n`;
  entries.push({ name: `${distInfo}/RECORD`, data: Buffer.from(record, 'utf8') });
  return { fileName: wheelFileName(spec), data: writeZip(entries) };
}
