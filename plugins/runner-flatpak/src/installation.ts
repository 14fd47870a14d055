import { UnrotError } from '@unrot/sdk';
import type { FlatpakOptions } from './options.js';

/** One flatpak installation: the system-wide one, or a user's per-user one. Its text form is an update's scope. */
export type Installation = { kind: 'system' } | { kind: 'user'; user: string };

/** The user names flatpak --user can run as (the Debian adduser default rule, without a trailing $). */
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

export function installationsOf(options: FlatpakOptions): Installation[] {
  const list: Installation[] = options.system ? [{ kind: 'system' }] : [];
  for (const user of options.users) list.push({ kind: 'user', user: assertUserName(user) });
  return list;
}

export function assertUserName(user: string): string {
  if (!USER_NAME.test(user)) {
    throw new UnrotError('E_RUNNER_UNSAFE_NAME', `not a user name flatpak can run as: ${JSON.stringify(user)}`, { user });
  }
  return user;
}

export function formatScope(installation: Installation): string {
  return installation.kind === 'system' ? 'system' : `user:${installation.user}`;
}

export function parseScope(scope: string | undefined): Installation | undefined {
  if (scope === 'system') return { kind: 'system' };
  const user = /^user:(.+)$/.exec(scope ?? '')?.[1];
  return user !== undefined && USER_NAME.test(user) ? { kind: 'user', user } : undefined;
}

export function describeInstallation(installation: Installation): string {
  return installation.kind === 'system' ? 'the system installation' : `the per-user installation of ${installation.user}`;
}

/**
 * The argv of a flatpak command in one installation. Another user's installation is reached
 * as that user (runuser sets HOME, so flatpak finds ~/.local/share/flatpak); root's directly.
 */
export function flatpakArgv(installation: Installation, args: readonly string[]): string[] {
  if (installation.kind === 'system') return ['flatpak', '--system', ...args];
  const flatpak = ['flatpak', '--user', ...args];
  return installation.user === 'root' ? flatpak : ['runuser', '-u', assertUserName(installation.user), '--', ...flatpak];
}

export const commands = {
  version: (): string[] => ['flatpak', '--version'],
  list: (i: Installation): string[] => flatpakArgv(i, ['list', '--columns=ref,active,version,options,runtime']),
  masks: (i: Installation): string[] => flatpakArgv(i, ['mask']),
  updates: (i: Installation): string[] => flatpakArgv(i, ['remote-ls', '--updates', '--columns=ref,commit,version']),
  remotes: (i: Installation): string[] => flatpakArgv(i, ['remotes', '--columns=name,url']),
  /** `ref` is a full ref rebuilt from a validated FlatpakRef. */
  metadata: (i: Installation, ref: string): string[] => flatpakArgv(i, ['info', '--show-metadata', ref]),
  update: (i: Installation, refs: readonly string[]): string[] => flatpakArgv(i, ['update', '-y', '--noninteractive', ...refs]),
};
