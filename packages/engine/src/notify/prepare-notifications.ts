import { loadSecrets, type SecretStore } from '../secrets/load-secrets.js';
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
): Promise<NotificationSetup> {
  const secrets = await loadSecrets(policy.secrets_files ?? []);
  const redactor = createRedactor(secrets.values());
  const wanted = policy.notifications ?? [];
  const notifiers = wanted.length > 0 ? await discoverNotifiers(pluginRoots) : new Map();
  return { secrets, redactor, sinks: prepareSinks(wanted, notifiers, secrets, globalFile) };
}
