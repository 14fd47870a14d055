import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** A file inside a zip; stored uncompressed, which every wheel installer accepts. */
interface Entry {
  name: string;
  data: Buffer;
}

function zip(entries: readonly Entry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const fileName = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt32LE(0, 10); // time/date
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(0, 30); // extra + comment length
    central.writeUInt32LE(0, 34); // disk + internal attrs
    central.writeUInt32LE(0, 38); // external attrs
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, data);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

const recordHash = (data: Buffer) => `sha256=${createHash('sha256').update(data).digest('base64url')}`;

export interface Wheel {
  project: string;
  version: string;
  fileName: string;
  data: Buffer;
}

/**
 * Builds a real, installable pure-Python wheel (PEP 427: METADATA, WHEEL, RECORD) with no
 * network and no build backend, so tests can run pip against an index of their own.
 */
export function buildWheel(project: string, version: string, extra: { requires?: readonly string[]; consoleScript?: string } = {}): Wheel {
  const requires = extra.requires ?? [];
  const dist = project.replace(/-/g, '_');
  const info = `${dist}-${version}.dist-info`;
  const files: Entry[] = [
    {
      name: `${dist}/__init__.py`,
      data: Buffer.from(`__version__ = ${JSON.stringify(version)}\n\ndef main():\n    print(__version__)\n`),
    },
    {
      name: `${info}/METADATA`,
      data: Buffer.from(
        `Metadata-Version: 2.1\nName: ${project}\nVersion: ${version}\n${requires.map((r) => `Requires-Dist: ${r}\n`).join('')}`,
      ),
    },
    { name: `${info}/WHEEL`, data: Buffer.from('Wheel-Version: 1.0\nGenerator: unrot-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n') },
  ];
  // pipx only installs a package that brings an app (a console script).
  if (extra.consoleScript)
    files.push({ name: `${info}/entry_points.txt`, data: Buffer.from(`[console_scripts]\n${extra.consoleScript} = ${dist}:main\n`) });
  const record = [...files.map((f) => `${f.name},${recordHash(f.data)},${f.data.length}`), `${info}/RECORD,,`, ''].join('\n');
  files.push({ name: `${info}/RECORD`, data: Buffer.from(record) });
  return { project, version, fileName: `${dist}-${version}-py3-none-any.whl`, data: zip(files) };
}
