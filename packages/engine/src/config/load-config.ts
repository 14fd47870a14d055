import { lstat, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ContainerPolicy, ContainerPolicySchema, type GlobalPolicy, GlobalPolicySchema } from '../policy/index.js';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { discoverContainerFiles } from './discover.js';
import { ConfigFileReader } from './file-trust.js';
import type { KeyPath } from './key-path.js';
import { schemaProblems } from './schema-problems.js';
import type { YamlFile } from './yaml-file.js';

export interface LoadedConfig {
  /** Absolute config directory. */
  dir: string;
  globalFile: string | null;
  global: GlobalPolicy;
  containers: Map<number, { file: string; policy: ContainerPolicy }>;
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
  const reads = await Promise.all(discovered.files.map((ref) => reader.read(ref.file)));
  const containers = new Map<number, { file: string; policy: ContainerPolicy }>();
  discovered.files.forEach((ref, i) => {
    const read = reads[i];
    if (!read) return;
    if ('problems' in read) {
      refused(ref.file, read.problems);
      return;
    }
    const src = parseYamlFile(ref.file, read.text);
    sources.set(ref.file, src);
    containers.set(ref.vmid, { file: ref.file, policy: validate<ContainerPolicy>(src, ContainerPolicySchema, problems, siteOf) });
  });
  directoryProblems();

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    dir: root,
    globalFile,
    global,
    containers,
    locate(file, path, opts) {
      const src = sources.get(resolve(file));
      return src ? locate(src, path, opts) : undefined;
    },
  };
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
