import type { InvalidOptionsCase, RunnerScenario } from '@unrot/sdk/testing';
import { runRunnerContract } from '@unrot/sdk/testing';
import { runner } from '../src/index.js';
import scenarios from './fixtures/contract-scenarios.json' with { type: 'json' };

// Options policy files may hold that pass the schema but break the runner's own rules. They are
// policy text, not command output: nothing runs for them, so there is nothing to record.
const invalidOptions: InvalidOptionsCase[] = [
  {
    name: 'two commands with the same name',
    options: {
      commands: [
        { name: 'refresh-app', argv: ['/opt/app/bin/update'] },
        { name: 'refresh-app', argv: ['/opt/app/bin/clear-cache'] },
      ],
    },
    problems: [['commands', 1, 'name']],
  },
  {
    name: 'argv[0] is a shell command line, only_if[0] an option',
    options: {
      commands: [{ name: 'refresh-app', argv: ['/opt/app/bin/update --quiet && reboot'], only_if: ['-e', '/opt/app/.update-available'] }],
    },
    problems: [
      ['commands', 0, 'argv', 0],
      ['commands', 0, 'only_if', 0],
    ],
  },
];

runRunnerContract(runner, scenarios as RunnerScenario[], { invalidOptions });
