import { Value } from '@sinclair/typebox/value';
import { createReplayExec } from '@unrot/sdk/testing';
import { describe, expect, it } from 'vitest';
import { runner } from '../src/index.js';
import { type CustomOptions, CustomOptionsSchema } from '../src/options.js';
import { contextFor, rejection } from './support/context.js';

/** Schema check as the engine does it: defaults first, then every error. */
const schemaErrors = (options: unknown) => [
  ...Value.Errors(CustomOptionsSchema, Value.Default(CustomOptionsSchema, structuredClone(options))),
];
const one = (command: Record<string, unknown>) => ({ commands: [{ name: 'a', argv: ['true'], ...command }] });

describe('options schema', () => {
  it('accepts the documented example and fills ok_exit_codes with [0]', () => {
    const example = {
      commands: [
        {
          name: 'refresh-app',
          argv: ['/opt/app/bin/update', '--quiet'],
          timeout: 300,
          only_if: ['test', '-e', '/opt/app/.update-available'],
          ok_exit_codes: [0],
        },
        { name: 'clear_cache-2', argv: ['find', '/var/cache/app', '-type', 'f', '-delete'] },
      ],
    };
    expect(schemaErrors(example)).toEqual([]);
    const filled = Value.Default(CustomOptionsSchema, structuredClone(example)) as CustomOptions;
    expect(filled.commands?.[1]?.ok_exit_codes).toEqual([0]);
  });

  it('accepts any text in arguments after argv[0] (they never reach a shell)', () => {
    expect(schemaErrors(one({ argv: ['echo', 'a b', '; reboot', '$(id)', '`id`', "'", '"', '|&<>', ''] }))).toEqual([]);
  });

  it.each([
    ['an unknown top-level key', { commands: [{ name: 'a', argv: ['true'] }], shell: true }],
    ['an unknown command key', one({ shell: 'sh' })],
    ['an empty command list', { commands: [] }],
    ['51 commands', { commands: Array.from({ length: 51 }, (_, i) => ({ name: `c${i}`, argv: ['true'] })) }],
    ['a missing argv', { commands: [{ name: 'a' }] }],
    ['an empty argv', one({ argv: [] })],
    ['an argv that is a string', one({ argv: '/opt/app/bin/update --quiet' })],
    ['a NUL byte in an argument', one({ argv: ['echo', 'a\u0000b'] })],
    ['an empty only_if', one({ only_if: [] })],
    ['a name with upper case', one({ name: 'Refresh' })],
    ['a name with a space', one({ name: 'refresh app' })],
    ['a name starting with -', one({ name: '-x' })],
    ['timeout 0', one({ timeout: 0 })],
    ['timeout 86401', one({ timeout: 86401 })],
    ['a fractional timeout', one({ timeout: 1.5 })],
    ['exit code 256', one({ ok_exit_codes: [256] })],
    ['an empty ok_exit_codes', one({ ok_exit_codes: [] })],
    ['duplicate ok_exit_codes', one({ ok_exit_codes: [0, 0] })],
  ])('refuses %s', (_, options) => {
    expect(schemaErrors(options).length).toBeGreaterThan(0);
  });
});

describe('rules the schema cannot express (E_CONFIG before anything runs)', () => {
  it.each([
    ['argv[0] with ;', one({ argv: ['rm;reboot'] }), 'runners.custom.commands[0].argv[0]'],
    ['argv[0] with a space', one({ argv: ['/opt/app/bin/up date'] }), 'runners.custom.commands[0].argv[0]'],
    ['argv[0] with $()', one({ argv: ['$(reboot)'] }), 'runners.custom.commands[0].argv[0]'],
    ['argv[0] a relative path', one({ argv: ['bin/update'] }), 'runners.custom.commands[0].argv[0]'],
    ['argv[0] an option', one({ argv: ['--help'] }), 'runners.custom.commands[0].argv[0]'],
    ['argv[0] empty', one({ argv: [''] }), 'runners.custom.commands[0].argv[0]'],
    ['only_if[0] with a pipe', one({ only_if: ['test|sh'] }), 'runners.custom.commands[0].only_if[0]'],
    [
      'a duplicate name',
      {
        commands: [
          { name: 'a', argv: ['true'] },
          { name: 'b', argv: ['true'] },
          { name: 'a', argv: ['false'] },
        ],
      },
      'runners.custom.commands[2].name',
    ],
  ])('refuses %s in detect, check, plan and apply', async (_, options, path) => {
    expect(schemaErrors(options)).toEqual([]);
    const exec = createReplayExec([]);
    const ctx = contextFor(exec, options);
    for (const step of [
      runner.detect(ctx),
      runner.check(ctx),
      runner.plan(ctx, { updates: [], withheld: [] }),
      runner.apply(ctx, [{ id: 'custom-a', title: 'a', argv: ['true'], updates: [] }]),
    ]) {
      const e = await rejection(step);
      expect(e.code).toBe('E_CONFIG');
      expect(e.message.startsWith(`${path}: `), e.message).toBe(true);
    }
    expect(exec.records).toEqual([]);
  });

  it('explains a duplicate name by the index it repeats', async () => {
    const e = await rejection(
      runner.detect(
        contextFor(createReplayExec([]), {
          commands: [
            { name: 'a', argv: ['true'] },
            { name: 'a', argv: ['false'] },
          ],
        }),
      ),
    );
    expect(e.message).toBe("runners.custom.commands[1].name: 'a' is already the name of commands[0]; names must be unique");
  });

  it('accepts bare names and absolute paths with the usual characters', async () => {
    for (const argv0 of ['true', 'apt-get', 'python3.11', 'g++', '/opt/app/bin/update', '/usr/local/bin/app_ctl', '/srv/app@2/bin/run']) {
      const r = await runner.detect(
        contextFor(createReplayExec([{ argv: ['test', '-x', argv0], exitCode: 0, stdout: '' }]), one({ argv: [argv0] })),
      );
      expect(r.applicable, argv0).toBe(true);
    }
  });
});

describe('validateOptions (unrot validate)', () => {
  it('reports every rule the schema cannot express, with its path', () => {
    const problems = runner.validateOptions?.({
      commands: [
        { name: 'a', argv: ['/bin/true'] },
        { name: 'a', argv: ['rm -rf /'] },
        { name: 'b', argv: ['true'], only_if: ['-x'] },
      ],
    });
    expect(problems).toEqual([
      { path: ['commands', 1, 'name'], message: "'a' is already the name of commands[0]; names must be unique" },
      { path: ['commands', 1, 'argv', 0], message: '"rm -rf /" is not a bare command name or an absolute path' },
      { path: ['commands', 2, 'only_if', 0], message: '"-x" is not a bare command name or an absolute path' },
    ]);
    expect(runner.validateOptions?.({ commands: [{ name: 'a', argv: ['true'] }] })).toEqual([]);
  });
});
