import { posix } from 'node:path';
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { OWN_SNAPSHOT_NAME } from './own-snapshots.js';

// The shape of every record unrot keeps under state_dir. A file that does not match is not
// unrot's (or is damaged) and is never acted on: see state-files.ts readStateFile().

const RUN_ID = '^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$';
/** Proxmox storage id (pve-configid). */
const STORAGE_ID = '^[a-zA-Z][a-zA-Z0-9_.-]{0,98}[a-zA-Z0-9]$';
/** Absolute, no `.`/`..` segments, no doubled or trailing slash, printable; normalization is checked in code too. */
const ABSOLUTE_PATH = '^(/[A-Za-z0-9_.+:@%,=~-]+)+$';
const ISO_TIME = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$';

const Vmid = Type.Integer({ minimum: 100, maximum: 999_999_999 });
const RunId = Type.String({ pattern: RUN_ID, maxLength: 23 });
const At = Type.String({ pattern: ISO_TIME, maxLength: 40 });

const SnapshotRef = Type.Object(
  {
    kind: Type.Literal('snapshot'),
    name: Type.String({ pattern: OWN_SNAPSHOT_NAME.source, maxLength: 40 }),
  },
  { additionalProperties: false },
);
const VzdumpRef = Type.Object(
  {
    kind: Type.Literal('vzdump'),
    archive: Type.String({ pattern: ABSOLUTE_PATH, maxLength: 4096 }),
    storage: Type.Optional(Type.String({ pattern: STORAGE_ID, maxLength: 100 })),
  },
  { additionalProperties: false },
);
export const BackupRefSchema = Type.Union([SnapshotRef, VzdumpRef]);

export const JournalEntrySchema = Type.Object(
  {
    runId: RunId,
    vmid: Vmid,
    step: Type.Union([Type.Literal('backup'), Type.Literal('apply'), Type.Literal('verify'), Type.Literal('rollback')]),
    backup: Type.Optional(BackupRefSchema),
    wasRunning: Type.Boolean(),
    pid: Type.Integer({ minimum: 1, maximum: 4_194_304 }),
    at: At,
  },
  { additionalProperties: false },
);

const RecordFields = {
  runId: RunId,
  takenAt: At,
  result: Type.Union([
    Type.Literal('pending'),
    Type.Literal('updated'),
    Type.Literal('rolled-back'),
    Type.Literal('failed'),
    Type.Literal('interrupted'),
  ]),
};
export const BackupRecordSchema = Type.Union([
  Type.Object({ ...SnapshotRef.properties, ...RecordFields }, { additionalProperties: false }),
  Type.Object({ ...VzdumpRef.properties, ...RecordFields }, { additionalProperties: false }),
]);
export const BackupsFileSchema = Type.Array(BackupRecordSchema, { maxItems: 10_000 });

/** `/a/b` is normalized; `/a/../b`, `/a/./b`, `/a//b` are not. */
export function isNormalizedAbsolute(path: string): boolean {
  return path.startsWith('/') && posix.normalize(path) === path && !path.split('/').some((s) => s === '..' || s === '.');
}

/** Undefined when `value` matches `schema`; else the first problem, by JSON pointer (never the value itself). */
export function schemaProblem(schema: TSchema, value: unknown): string | undefined {
  if (Value.Check(schema, value)) return undefined;
  const first = Value.Errors(schema, value).First();
  return first ? `${first.path || '/'}: ${first.message}` : 'does not match its schema';
}

/** Every path a backup reference names is absolute and normalized (the schema pattern cannot say so). */
export function backupRefProblem(ref: Static<typeof BackupRefSchema>): string | undefined {
  if (ref.kind === 'vzdump' && !isNormalizedAbsolute(ref.archive)) return '/archive: not a normalized absolute path';
  return undefined;
}
