import { lstat, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type ContainerPolicy,
  ContainerPolicySchema,
  type GlobalPolicy,
  GlobalPolicySchema,
  type GroupPolicy,
  GroupPolicySchema,
} from '../policy/index.js';
import type { ContainerIdentity, ContainerSelector } from '../targets/match-selector.js';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { discoverContainerFiles } from './discover.js';
import { ConfigFileReader } from './file-trust.js';
import type { KeyPath } from './key-path.js';
import { schemaProblems } from './schema-problems.js';
import type { YamlFile } from './yaml-file.js';

/** A group file (`containers/<name>.yml`, name not a VMID): its selectors and the container keys it applies (config/group-files.ts). */
export interface GroupFile {
  /** The file name without .yml, e.g. `web`. */
  name: string;
  file: string;
  selectors: ContainerSelector;
  /** The keys it applies: the file without `selectors`. */
  policy: ContainerPolicy;
}

export interface LoadedConfig {
  /** Absolute config directory. */
  dir: string;
  globalFile: string | null;
  global: GlobalPolicy;
  containers: Map<number, { file: string; policy: ContainerPolicy }>;
  /** Group files (`containers/<name>.yml` with `selectors:`), in file-name order. */
  groups: GroupFile[];
  /**
   * Name and tags of each listed container, which group selectors match on; set by bindFleet()
   * once the fleet is listed (config/group-files.ts). Unset before that.
   */
  fleet?: ReadonlyMap<number, ContainerIdentity>;
  /** line/column of a key path in a file, for errors raised later (plugin option validation) */
  locate(file: string, path: KeyPath, opts?: { key?: boolean }): { line: number; column: number } | undefined;
}

export const GLOBAL_FILE_NAMES = ['global.yml', 'global.yaml'] as const;

/** yaml costs ~100 ms to import; only commands that read the config pay for it. */
function loadParser(): Promise<typeof import('./yaml-file.js')> {
  return import('./yaml-file.js');
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}

/**
 * Reads `DIR/global.yml` and `DIR/containers/<CTID>.yml`, validates all of them against the
 * policy schemas and throws one ConfigError listing every problem found (never just the first).
 * Every file goes through ConfigFileReader: no link out of DIR, nothing group/world-writable, owned
 * by root or the running user; a refused file is never read, and no error quotes file content
 * beyond the offending key.
 */
export async function loadConfig(dir: string): Promise<LoadedConfig> {
  const root = resolve(dir);
  const st = await stat(root).catch(() => undefined);
  if (!st) {
    throw new ConfigError([
      { file: root, path: '', message: 'config directory does not exist', expected: 'a directory holding global.yml' },
    ]);
  }
  if (!st.isDirectory()) {
    throw new ConfigError([{ file: root, path: '', message: 'is not a directory', expected: 'a directory holding global.yml' }]);
  }

  const { parseYamlFile, locate, siteOf } = await loadParser();
  const reader = await ConfigFileReader.forRoot(root);
  const problems: ConfigProblem[] = [];
  const sources = new Map<string, YamlFile>();
  const refused = (file: string, found: ReadonlyArray<string | { message: string; expected: string }>) => {
    for (const p of found) problems.push({ file, path: '', ...(typeof p === 'string' ? { message: p } : p) });
  };
  const directoryProblems = () => {
    for (const { dir: d, problems: messages } of reader.directoryFindings()) refused(d, messages);
  };

  await reader.directoryProblems(reader.root);
  const [hasYml, hasYaml] = await Promise.all(GLOBAL_FILE_NAMES.map((name) => exists(join(root, name))));
  if (!hasYml && !hasYaml) {
    throw new ConfigError(
      [
        {
          file: join(root, 'global.yml'),
          path: '',
          message: 'file not found',
          expected: 'a global.yml (it may be empty to use all defaults)',
        },
      ],
      `no global.yml in ${root}`,
    );
  }
  if (hasYml && hasYaml) {
    problems.push({
      file: join(root, 'global.yaml'),
      path: '',
      message: 'both global.yml and global.yaml exist',
      expected: 'only one of them',
    });
  }
  const globalFile = join(root, hasYml ? 'global.yml' : 'global.yaml');
  const globalRead = await reader.read(globalFile);
  if ('problems' in globalRead) {
    refused(globalFile, globalRead.problems);
    directoryProblems();
    throw new ConfigError(problems);
  }
  const globalSrc = parseYamlFile(globalFile, globalRead.text);
  sources.set(globalFile, globalSrc);
  const global = validate<GlobalPolicy>(globalSrc, GlobalPolicySchema, problems, siteOf);
  // Rules the schema cannot express (a real time zone, windows that fit in a week).
  if (problems.length === 0 && global.maintenance) {
    const { maintenanceProblems } = await import('../schedule/resolve-schedule.js');
    problems.push(...maintenanceProblems(global.maintenance, siteOf(globalSrc)));
  }
  if (problems.length === 0 && global.rollout) {
    const { rolloutProblems } = await import('../rollout/rollout-problems.js');
    problems.push(...rolloutProblems(global.rollout, siteOf(globalSrc)));
  }

  const discovered = await discoverContainerFiles(root);
  problems.push(...discovered.problems);
  const containersDir = join(root, 'containers');
  if ((await stat(containersDir).catch(() => undefined))?.isDirectory()) {
    // checked even when empty: a writable containers/ lets anyone add a policy to the next run
    await reader.directoryProblems(await realpath(containersDir));
  }
  // Container and group files alike: read through the trust checks, parsed, kept for line lookups.
  const readEach = async <R extends { file: string }>(refs: readonly R[], use: (ref: R, src: YamlFile) => void) => {
    const reads = await Promise.all(refs.map((ref) => reader.read(ref.file)));
    refs.forEach((ref, i) => {
      const read = reads[i];
      if (!read) return;
      if ('problems' in read) {
        refused(ref.file, read.problems);
        return;
      }
      const src = parseYamlFile(ref.file, read.text);
      sources.set(ref.file, src);
      use(ref, src);
    });
  };
  const containers = new Map<number, { file: string; policy: ContainerPolicy }>();
  await readEach(discovered.files, (ref, src) => {
    refuseSelectors(src, ref.vmid, problems, siteOf);
    containers.set(ref.vmid, { file: ref.file, policy: validate<ContainerPolicy>(src, ContainerPolicySchema, problems, siteOf) });
  });
  // Group files go through the same strict validation as CTID files.
  const groups: GroupFile[] = [];
  await readEach(discovered.groups, (ref, src) => {
    const { selectors, ...policy } = validateGroup(src, ref.name, problems, siteOf);
    groups.push({ name: ref.name, file: ref.file, selectors: selectors ?? {}, policy });
  });
  directoryProblems();

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    dir: root,
    globalFile,
    global,
    containers,
    groups,
    locate(file, path, opts) {
      const src = sources.get(resolve(file));
      return src ? locate(src, path, opts) : undefined;
    },
  };
}

/** `selectors:` belongs in group files; a CTID file names its container already. Removed so the schema does not report it twice. */
function refuseSelectors(src: YamlFile, vmid: number, problems: ConfigProblem[], siteOf: typeof import('./yaml-file.js').siteOf): void {
  const value = src.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !('selectors' in value)) return;
  const pos = siteOf(src).locate(['selectors'], { key: true });
  problems.push({
    file: src.file,
    ...(pos && { line: pos.line, column: pos.column }),
    path: 'selectors',
    message: `a <CTID>.yml file applies to CT ${vmid} only, so it cannot hold selectors`,
    expected: 'selectors: in a group file (containers/<name>.yml, e.g. web.yml) and the per-container keys here',
  });
  delete (value as Record<string, unknown>)['selectors'];
}

/** A group file: the container keys plus `selectors:`, which must be there and select someone. */
function validateGroup(
  src: YamlFile,
  name: string,
  problems: ConfigProblem[],
  siteOf: typeof import('./yaml-file.js').siteOf,
): Partial<GroupPolicy> {
  const found: ConfigProblem[] = [];
  const group = validate<Partial<GroupPolicy>>(src, GroupPolicySchema, found, siteOf);
  // An empty file is a mapping with no keys (and so no selectors).
  const isMapping =
    src.value === undefined || src.value === null
      ? src.problems.length === 0
      : typeof src.value === 'object' && src.value !== null && !Array.isArray(src.value);
  if (isMapping && group.selectors === undefined) {
    // Said in words instead of the schema's bare "missing required key".
    const rest = found.filter((p) => !(p.path === 'selectors' && p.message.startsWith('missing required key')));
    found.length = 0;
    found.push(...rest, {
      file: src.file,
      line: 1,
      column: 1,
      path: 'selectors',
      message: `'${name}' is not a container ID, so this is a group file and needs selectors: to say which containers it applies to`,
      expected: 'selectors: with tags, names or ids (or rename the file to <CTID>.yml)',
    });
  }
  const sel = group.selectors;
  if (found.length === 0 && sel && (sel.tags?.length ?? 0) + (sel.names?.length ?? 0) + (sel.ids?.length ?? 0) === 0) {
    const pos = siteOf(src).locate(['selectors']);
    found.push({
      file: src.file,
      ...(pos && { line: pos.line, column: pos.column }),
      path: 'selectors',
      message: 'the selectors select no container (every list is empty)',
      expected: 'at least one tag, name glob or id',
    });
  }
  problems.push(...found);
  return group;
}

/** An empty file (or only comments) means "all defaults". */
function validate<T>(
  src: YamlFile,
  schema: Parameters<typeof schemaProblems>[0],
  problems: ConfigProblem[],
  siteOf: typeof import('./yaml-file.js').siteOf,
): T {
  problems.push(...src.problems);
  const value = src.value ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    // Not a policy at all (a stray or linked file): say what it is, never quote it.
    const what = Array.isArray(value) ? 'a list' : typeof value === 'string' ? 'text' : `a ${typeof value}`;
    problems.push({
      file: src.file,
      line: 1,
      column: 1,
      path: '',
      message: `the file must hold a mapping of keys, not ${what}`,
      expected: 'a mapping',
    });
    return {} as T;
  }
  if (src.problems.length === 0 || src.value !== undefined) problems.push(...schemaProblems(schema, value, siteOf(src)));
  return value as T;
}
