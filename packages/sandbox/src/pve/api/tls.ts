/**
 * The sandbox's certificates, laid out like a Proxmox node's: a cluster CA
 * (R/etc/pve/pve-root-ca.pem, key in R/etc/pve/priv/pve-root-ca.key) and the node certificate it
 * signed (R/etc/pve/nodes/<node>/pve-ssl.pem + pve-ssl.key) for 127.0.0.1/localhost/<node>.
 * Made once per sandbox with openssl; unrot verifies against the CA or pins the node
 * certificate's SHA-256 fingerprint (the form the Proxmox GUI shows: `AB:CD:…`).
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runChecked } from '../proc.js';
import type { SandboxPaths } from '../sandbox-root.js';

export interface NodeCerts {
  caPath: string;
  certPath: string;
  keyPath: string;
  /** SHA-256 of the node certificate, upper-case hex pairs joined by `:`. */
  fingerprint: string;
}

export function certPaths(paths: SandboxPaths): { caPath: string; caKeyPath: string; certPath: string; keyPath: string } {
  const pve = join(paths.root, 'etc/pve');
  return {
    caPath: join(pve, 'pve-root-ca.pem'),
    caKeyPath: join(pve, 'priv/pve-root-ca.key'),
    certPath: join(pve, 'nodes', paths.node, 'pve-ssl.pem'),
    keyPath: join(pve, 'nodes', paths.node, 'pve-ssl.key'),
  };
}

export function fingerprintOf(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/** Makes the CA and node certificate unless both exist; returns their paths and fingerprint. */
export async function ensureNodeCerts(paths: SandboxPaths): Promise<NodeCerts> {
  const p = certPaths(paths);
  if (![p.caPath, p.caKeyPath, p.certPath, p.keyPath].every((f) => existsSync(f))) {
    mkdirSync(join(p.caKeyPath, '..'), { recursive: true, mode: 0o700 });
    mkdirSync(join(p.certPath, '..'), { recursive: true });
    await runChecked([
      'openssl',
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-days',
      '3650',
      '-keyout',
      p.caKeyPath,
      '-out',
      p.caPath,
      '-subj',
      `/CN=Proxmox Virtual Environment/OU=unrot-sandbox ${paths.node}/O=PVE Cluster Manager CA`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    const csr = `${p.certPath}.csr`;
    const ext = `${p.certPath}.ext`;
    await runChecked([
      'openssl',
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-keyout',
      p.keyPath,
      '-out',
      csr,
      '-subj',
      `/OU=PVE Cluster Node/O=Proxmox Virtual Environment/CN=${paths.node}`,
    ]);
    writeFileSync(
      ext,
      [
        'basicConstraints=CA:FALSE',
        'keyUsage=digitalSignature,nonRepudiation,keyEncipherment',
        'extendedKeyUsage=serverAuth',
        `subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost,DNS:${paths.node}`,
        '',
      ].join('\n'),
    );
    try {
      await runChecked([
        'openssl',
        'x509',
        '-req',
        '-sha256',
        '-days',
        '730',
        '-in',
        csr,
        '-CA',
        p.caPath,
        '-CAkey',
        p.caKeyPath,
        '-set_serial',
        `0x${Date.now().toString(16)}`,
        '-extfile',
        ext,
        '-out',
        p.certPath,
      ]);
    } finally {
      rmSync(csr, { force: true });
      rmSync(ext, { force: true });
    }
  }
  return { caPath: p.caPath, certPath: p.certPath, keyPath: p.keyPath, fingerprint: fingerprintOf(readFileSync(p.certPath, 'utf8')) };
}
