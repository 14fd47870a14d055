// The SDK's notifier contract kit (imported from the built SDK until @unrot/sdk/testing exports it).
import { runNotifierContract } from '@unrot/sdk/testing';
import notifier from '../src/index.js';
import { emailScenarios } from './contract-scenarios.js';

runNotifierContract(notifier, emailScenarios);
