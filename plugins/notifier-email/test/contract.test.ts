// The SDK's notifier contract kit (imported from the built SDK until @unrot/sdk/testing exports it).
import { runNotifierContract } from '../../../packages/sdk/dist/testing/notifier-kit.js';
import notifier from '../src/index.js';
import { emailScenarios } from './contract-scenarios.js';

runNotifierContract(notifier, emailScenarios);
