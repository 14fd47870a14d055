import { ConfigError } from '../config/config-error.js';
import { formatPath } from '../config/key-path.js';
import { loadSecrets, type SecretStore } from '../secrets/load-secrets.js';
import { registerProcessSecrets } from '../secrets/process-redactor.js';
import { createRedactor, type Redactor } from '../secrets/redactor.js';
import { discoverNotifiers } from './discover-notifiers.js';
import type { NotificationSinkRuntime } from './dispatch.js';
import type { NotificationsPolicy } from './policy-schema.js';
import { prepareSinks } from './prepare-sinks.js';

export interface NotificationSetup {
  secrets: SecretStore;
  /** Built from every resolved secret: use it for logs, the report and errors too. */
  redactor: Redactor;
  sinks: NotificationSinkRuntime[];
}

/**
 * Everything notifications need, checked before a run touches anything: secrets files
 * (permissions, format), notifier plugins, secret references and each sink's options.
 * Throws E_CONFIG / E_PLUGIN_* like the rest of `prepare`.
 */
export async function prepareNotifications(
  policy: NotificationsPolicy,
  pluginRoots: readonly string[],
  globalFile: string,
  locate?: Parameters<typeof prepareSinks>[4],
): Promise<NotificationSetup> {
  const files = policy.secrets_files ?? [];
  let secrets: SecretStore;
  try {
    secrets = await loadSecrets(files);
  } catch (error) {
    // A problem with a whole file (mode, owner, missing) points at its entry in global.yml.
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(
      error.problems.map((p) => {
        const index = files.indexOf(p.file);
        if (p.line !== undefined || index < 0) return p;
        const path = ['secrets_files', index];
        const pos = locate?.(path);
        return {
          ...p,
          file: globalFile,
          ...(pos ? { line: pos.line, column: pos.column } : {}),
          path: formatPath(path),
          message: `${p.file}: ${p.message}`,
        };
      }),
      error.message.split('\n')[0],
    );
  }
  const redactor = createRedactor(secrets.values());
  registerProcessSecrets(secrets.values());
  const wanted = policy.notifications ?? [];
  const notifiers = wanted.length > 0 ? await discoverNotifiers(pluginRoots) : new Map();
  return { secrets, redactor, sinks: prepareSinks(wanted, notifiers, secrets, globalFile, locate) };
}
