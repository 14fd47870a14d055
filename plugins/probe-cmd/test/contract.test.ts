import { runProbeContract } from '@unrot/sdk/testing';
import probe from '../src/index.js';
import { scenarios } from './contract-scenarios.js';

// Each scenario runs a real command on this machine through createLocalExec.
runProbeContract(probe, scenarios);
