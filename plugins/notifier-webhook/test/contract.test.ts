// Until @unrot/sdk/testing re-exports the notifier kit, it is imported from the SDK build.
import { runNotifierContract } from '@unrot/sdk/testing';
import notifier from '../src/index.js';
import { scenarios } from './contract-scenarios.js';

runNotifierContract(notifier, scenarios);
