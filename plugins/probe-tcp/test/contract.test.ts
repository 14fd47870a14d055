import { runProbeContract } from '@unrot/sdk/testing';
import probe from '../src/index.js';
import { scenarios } from './contract-scenarios.js';

// Each scenario starts a real listener on 127.0.0.1 (or closes one) in its setup.
runProbeContract(probe, scenarios);
