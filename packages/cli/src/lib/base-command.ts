import { Command, Flags } from '@oclif/core';
// The exit-code module alone (no engine import), so --help and --version stay fast.
import { exitCodeFor } from '@unrot/engine/exit-codes';
import { terminalBlock, terminalField } from '@unrot/engine/terminal-text';
import { isUnrotError, UnrotError } from '@unrot/sdk';

export function parseCtList(value: string): number[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      if (!/^\d+$/.test(part)) throw new UnrotError('E_USAGE', `--ct: '${part}' is not a VMID (expected integers like 101,102)`);
      const vmid = Number(part);
      if (vmid < 100 || vmid > 999999999) throw new UnrotError('E_USAGE', `--ct: ${vmid} is outside the VMID range 100–999999999`);
      return vmid;
    });
}

/**
 * Scrubs every secret value the engine loaded in this process (it registers them under this
 * global symbol, see engine secrets/process-redactor.ts); identity before any was loaded, so
 * `--help` and `--version` never load the engine.
 */
export function redactOutput(text: string): string {
  const slot = (globalThis as Record<symbol, { redactor?: { string(t: string): string } } | undefined>)[
    Symbol.for('unrot.process-redactor')
  ];
  return slot?.redactor ? slot.redactor.string(text) : text;
}

export abstract class BaseCommand extends Command {
  static override baseFlags = {
    config: Flags.string({
      char: 'c',
      summary: 'Directory holding global.yml and containers/<CTID>.yml.',
      default: '/etc/unrot',
      helpGroup: 'GLOBAL',
    }),
    json: Flags.boolean({ summary: 'Print machine-readable JSON on stdout.', default: false, helpGroup: 'GLOBAL' }),
  };

  /**
   * Everything a command prints goes through the redactor (reports, summaries, errors), then the
   * terminal sanitiser: text from containers and state files must not drive the terminal (ESC
   * sequences, OSC 52, CR, bidi controls). Line breaks stay; formatters escape those inside a field.
   * JSON stays valid: the only characters left to escape in it become \uXXXX escapes.
   */
  override log(message = '', ...args: unknown[]): void {
    super.log(terminalBlock(redactOutput(message)), ...args);
  }

  override logToStderr(message = '', ...args: unknown[]): void {
    super.logToStderr(terminalBlock(redactOutput(message)), ...args);
  }

  /** One line whose parts may come from a container, the host or a state file: a line break in them is escaped. */
  logLine(line: string): void {
    this.log(terminalField(line));
  }

  pluginRoots(): string[] {
    return [...this.config.plugins.values()].map((p) => p.root);
  }

  /** Maps coded errors to documented exit codes and prints one clear message; no stack traces for users. */
  fail(error: unknown, json: boolean): void {
    const exitCode = exitCodeFor({ error });
    let code = 'E_INTERNAL';
    let message = error instanceof Error ? error.message : String(error);
    let problems: unknown;
    if (isUnrotError(error)) {
      code = error.code;
      problems = (error as { problems?: unknown }).problems;
    } else if (error instanceof Error && error.stack && process.env['UNROT_DEBUG']) {
      message = error.stack;
    }
    // log() and logToStderr() scrub secret values; an error may quote command output.
    if (json) this.log(JSON.stringify({ error: { code, message, ...(problems ? { problems } : {}) }, exitCode }, null, 2));
    else this.logToStderr(`unrot: ${code === 'E_CONFIG' ? '' : `${code}: `}${message}`);
    process.exitCode = exitCode;
  }
}
