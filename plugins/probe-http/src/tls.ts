import { readFile } from 'node:fs/promises';
import { UnrotError } from '@unrot/sdk';
import type { HttpOptions } from './options.js';

export interface ConnectTls {
  ca?: string;
  rejectUnauthorized: boolean;
  servername?: string;
}

export async function tlsOptions(tls: HttpOptions['tls']): Promise<ConnectTls> {
  const result: ConnectTls = { rejectUnauthorized: !tls.insecure_skip_verify };
  if (tls.servername !== undefined) result.servername = tls.servername;
  if (tls.ca_file !== undefined) {
    try {
      result.ca = await readFile(tls.ca_file, 'utf8');
    } catch (error) {
      throw new UnrotError('E_CONFIG', `tls.ca_file ${tls.ca_file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
        path: tls.ca_file,
      });
    }
  }
  return result;
}
