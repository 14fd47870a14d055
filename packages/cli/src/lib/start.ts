/**
 * The CLI's entry point (bin/run.js). `unrot --version` and `unrot <command> --help` for one of
 * unrot's own commands need nothing but the CLI's oclif manifest, so they start oclif with the
 * root plugin alone: no bundled or installed plugin's package.json or manifest is read, no plugin
 * hook runs, and their start-up does not grow with the plugins installed. Everything else (root
 * and topic help, plugin commands, plan, run, …) starts oclif as usual, with every plugin.
 */
import { fileURLToPath } from 'node:url';
// Sub-path imports: '@oclif/core' itself also loads what only commands need (semver and more).
import { Config, Plugin } from '@oclif/core/config';
import { execute } from '@oclif/core/execute';
import { normalizeArgv } from '@oclif/core/help';

type LoadOptions = { root: string; plugins?: Map<string, Plugin> };

/** Load options naming only the CLI's own plugin (its package.json and oclif.manifest.json); `root` is in or under its package. */
export async function rootOnlyLoadOptions(root: string): Promise<LoadOptions> {
  const rootPlugin = new Plugin({ root, isRoot: true });
  await rootPlugin.load();
  return { root, plugins: new Map([[rootPlugin.name, rootPlugin]]) };
}

/**
 * Whether oclif would answer this command line from the root plugin alone: the version flag as
 * the first word (as oclif reads it), or `--help` (before any `--`) after a command of the CLI
 * itself. A topic (`unrot snapshots --help`) lists commands that plugins may add: all plugins.
 */
export async function answeredByRootPlugin(argv: string[], rootOnly: LoadOptions): Promise<boolean> {
  const config = await Config.load(rootOnly);
  const versionFlags = ['--version', ...(config.pjson.oclif.additionalVersionFlags ?? [])];
  if (argv[0] !== undefined && versionFlags.includes(argv[0])) return true;
  const end = argv.indexOf('--');
  const words = end === -1 ? argv : argv.slice(0, end);
  const helpFlags = ['--help', ...(config.pjson.oclif.additionalHelpFlags ?? [])];
  if (!words.some((word) => helpFlags.includes(word))) return false;
  const [id] = normalizeArgv(config, argv);
  return id !== undefined && config.findCommand(id) !== undefined;
}

/** Runs the CLI as oclif's stock bin/run.js does, loading the plugins only when the command line needs them. */
export async function start(binUrl: string, argv: string[] = process.argv.slice(2)): Promise<unknown> {
  // As oclif's stock `execute({ dir: import.meta.url })`: oclif finds the package root from the bin file.
  const root = fileURLToPath(binUrl);
  let loadOptions: LoadOptions = { root };
  try {
    const rootOnly = await rootOnlyLoadOptions(root);
    if (await answeredByRootPlugin(argv, rootOnly)) loadOptions = rootOnly;
  } catch {
    // A broken package.json or manifest: the full start-up below meets it again and reports it as oclif does.
  }
  return execute({ args: argv, loadOptions });
}
