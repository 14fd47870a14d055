import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { type ContainerPolicy, ContainerPolicySchema, type GlobalPolicy, GlobalPolicySchema } from '@unrot/sdk';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { discoverContainerFiles } from './discover.js';
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

/** cosmiconfig hands our loader the text; we keep the whole parsed file so line numbers survive. */
interface LoadedYaml {
  yaml: YamlFile;
}

type Explorer = ReturnType<typeof import('cosmiconfig').cosmiconfig>;
let explorer: Explorer | undefined;

/** yaml and cosmiconfig cost ~100 ms to import; only commands that read the config pay for them. */
async function loadParsers(): Promise<{ explorer: Explorer; yaml: typeof import('./yaml-file.js') }> {
  const [{ cosmiconfig }, yaml] = await Promise.all([import('cosmiconfig'), import('./yaml-file.js')]);
  explorer ??= cosmiconfig('unrot', {
    searchPlaces: [...GLOBAL_FILE_NAMES],
    searchStrategy: 'none',
    cache: false,
    // an empty global.yml is valid (all defaults), not "keep searching"
    ignoreEmptySearchPlaces: false,
    loaders: {
      '.yml': (file: string, text: string): LoadedYaml => ({ yaml: yaml.parseYamlFile(file, text) }),
      '.yaml': (file: string, text: string): LoadedYaml => ({ yaml: yaml.parseYamlFile(file, text) }),
    },
  });
  return { explorer, yaml };
}

/**
 * Reads `DIR/global.yml` and `DIR/containers/<CTID>.yml`, validates all of them against the SDK
 * schemas and throws one ConfigError listing every problem found (never just the first).
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

  const { explorer, yaml } = await loadParsers();
  const { parseYamlFile, locate, siteOf } = yaml;
  const problems: ConfigProblem[] = [];
  const sources = new Map<string, YamlFile>();

  const found = await explorer.search(root);
  // A cosmiconfig meta config in the working directory can redirect the search; only our directory counts.
  const result = found && dirname(found.filepath) === root ? found : null;
  if (!result) {
    // cosmiconfig skips unreadable places silently; an admin needs to hear "permission denied", not "not found".
    for (const name of GLOBAL_FILE_NAMES) {
      const reason = await unreadable(join(root, name));
      if (reason)
        throw new ConfigError([
          { file: join(root, name), path: '', message: `cannot be read: ${reason}`, expected: 'a readable YAML file' },
        ]);
    }
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
  const globalFile = result.filepath;
  if (globalFile.endsWith('global.yml') && (await stat(join(root, 'global.yaml')).catch(() => undefined))) {
    problems.push({
      file: join(root, 'global.yaml'),
      path: '',
      message: 'both global.yml and global.yaml exist',
      expected: 'only one of them',
    });
  }
  const globalSrc = result.isEmpty ? parseYamlFile(globalFile, '') : (result.config as LoadedYaml).yaml;
  sources.set(globalFile, globalSrc);
  const global = validate<GlobalPolicy>(globalSrc, GlobalPolicySchema, problems, siteOf);
  // Rules the schema cannot express (a real time zone, windows that fit in a week).
  if (problems.length === 0 && global.maintenance) {
    const { maintenanceProblems } = await import('../schedule/resolve-schedule.js');
    problems.push(...maintenanceProblems(global.maintenance, siteOf(globalSrc)));
  }

  const discovered = await discoverContainerFiles(root);
  problems.push(...discovered.problems);
  const texts = await Promise.all(
    discovered.files.map((ref) =>
      readFile(ref.file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        problems.push({
          file: ref.file,
          path: '',
          message: `cannot be read: ${err.code ?? err.message}`,
          expected: 'a readable YAML file',
        });
        return undefined;
      }),
    ),
  );
  const containers = new Map<number, { file: string; policy: ContainerPolicy }>();
  discovered.files.forEach((ref, i) => {
    const text = texts[i];
    if (text === undefined) return;
    const src = parseYamlFile(ref.file, text);
    sources.set(ref.file, src);
    containers.set(ref.vmid, { file: ref.file, policy: validate<ContainerPolicy>(src, ContainerPolicySchema, problems, siteOf) });
  });

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

/** Why an existing path cannot be read as a file, or undefined when it is missing (or fine). */
async function unreadable(file: string): Promise<string | undefined> {
  try {
    await readFile(file);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    return code === 'EISDIR' ? 'it is a directory' : (code ?? String(err));
  }
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
  if (src.problems.length === 0 || src.value !== undefined) problems.push(...schemaProblems(schema, value, siteOf(src)));
  return value as T;
}
