import { UnrotError } from '@unrot/sdk';
import type { HostExecOptions, HostExecResult } from '../host.js';
import { PctHost, type PctHostOptions, pctExecArgv } from '../pct-host.js';

/** How commands reach a container when the rest goes through the API: there is no exec in the API. */
export type ExecVia = 'pct' | 'lxc-attach';

export interface LocalExecOptions extends PctHostOptions {
  via?: ExecVia;
  /** Prefix `sudo -n` (unrot as a dedicated user whose sudoers allows only this command). */
  sudo?: boolean;
}

/** PATH pct gives the command inside (pct-reference §0/§8); lxc-attach is told the same. */
const CONTAINER_PATH = 'PATH=/sbin:/bin:/usr/sbin:/usr/bin';

/**
 * `lxc-attach -n VMID --keep-env --set-var PATH=… -- argv…`: what `pct exec` becomes after its
 * config and running checks, without starting pct's Perl. Same environment as pct exec.
 */
export function lxcAttachArgv(vmid: number, argv: readonly string[]): string[] {
  return ['lxc-attach', '-n', String(vmid), '--keep-env', '--set-var', CONTAINER_PATH, '--', ...argv];
}

// sudo's own refusals (exit 1): with -n it never prompts, it fails with one of these.
const SUDO_REFUSAL = /^(?:sudo: .*|Sorry, user \S+ is not allowed to execute .*)$/;

/**
 * The exec half of the API host: PctHost's own exec (process group, timeout, abort, output caps,
 * pct's error texts → E_CT_NOT_FOUND / E_CT_NOT_RUNNING), with the argv `pct exec` or
 * `lxc-attach`, optionally behind `sudo -n`. Nothing else of PctHost is used through it.
 */
export class LocalExec extends PctHost {
  readonly via: ExecVia;
  readonly sudo: boolean;

  constructor(options: LocalExecOptions = {}) {
    super(options);
    this.via = options.via ?? 'pct';
    this.sudo = options.sudo ?? false;
  }

  override execArgv(vmid: number, argv: readonly string[]): string[] {
    const inner = this.via === 'lxc-attach' ? lxcAttachArgv(vmid, argv) : pctExecArgv(vmid, argv);
    return this.sudo ? ['sudo', '-n', ...inner] : inner;
  }

  override async exec(vmid: number, argv: readonly string[], options: HostExecOptions): Promise<HostExecResult> {
    const result = await super.exec(vmid, argv, options);
    const lines = result.stderr.trim().split('\n');
    // A sudo refusal is not the command's exit 1: the command never ran.
    if (this.sudo && result.exitCode === 1 && result.stdout === '' && lines.length > 0 && lines.every((l) => SUDO_REFUSAL.test(l)))
      throw new UnrotError('E_EXEC_SPAWN', `sudo refused to run ${this.via} for CT ${vmid}: ${lines.join(' ').slice(0, 300)}`, {
        vmid,
        argv: this.execArgv(vmid, argv),
        stderr: result.stderr.slice(0, 2000),
      });
    return result;
  }
}
