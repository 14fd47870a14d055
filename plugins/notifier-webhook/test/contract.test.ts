import { runNotifierContract } from '../../../packages/sdk/src/testing/notifier-kit.js';
import notifier from '../src/index.js';
import { scenarios } from './contract-scenarios.js';

runNotifierContract(notifier, scenarios);
