import { runProbeContract } from '@unrot/sdk/testing';
import probe from '../src/index.js';
import { scenarios } from './contract-scenarios.js';

// Each scenario starts a real HTTP or HTTPS server (self-signed certificate from openssl) on 127.0.0.1.
runProbeContract(probe, scenarios);
