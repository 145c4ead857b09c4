/**
 * The certificate set `npm run server --mtls DIR` uses: a CA, a server certificate it signed (SANs localhost,
 * 127.0.0.1, this host's name) and a client certificate it signed, made with Debian's `openssl` when DIR has
 * none. Files an operator put there (from their own CA) are used as they are.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface MtlsFiles {
  dir: string;
  /** the CA that signs client certificates (and the server's): what the proxy trusts, what clients verify with */
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

export function mtlsFiles(dir: string): MtlsFiles {
  const f = (name: string) => path.join(dir, name);
  return {
    dir,
    ca: f('ca.pem'),
    serverCert: f('server.pem'),
    serverKey: f('server-key.pem'),
    clientCert: f('client.pem'),
    clientKey: f('client-key.pem'),
  };
}

const DAYS = '825';
const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`openssl ${args[0]} failed: ${stderr || String(err)}`);
  }
}

/** A leaf certificate signed by the CA in dir (OpenSSL 3's `req -x509 -CA`). */
function leaf(dir: string, name: string, cn: string, ext: string[]): void {
  const files = mtlsFiles(dir);
  openssl([
    'req',
    '-x509',
    ...KEY,
    '-keyout',
    path.join(dir, `${name}-key.pem`),
    '-out',
    path.join(dir, `${name}.pem`),
    '-days',
    DAYS,
    '-subj',
    `/CN=${cn}`,
    '-CA',
    files.ca,
    '-CAkey',
    path.join(dir, 'ca-key.pem'),
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-addext',
    'keyUsage=critical,digitalSignature',
    ...ext.flatMap((e) => ['-addext', e]),
  ]);
}

/**
 * The set in dir, created when dir holds none of it (dir 0700, keys 0600). A partial set is an error that names
 * what is missing: mixing new certificates with an operator's would not verify.
 */
export function ensureMtlsCertificates(dir: string, hostName = os.hostname()): { files: MtlsFiles; created: boolean } {
  const files = mtlsFiles(dir);
  const wanted = [files.ca, files.serverCert, files.serverKey, files.clientCert, files.clientKey];
  const present = wanted.filter((f) => existsSync(f));
  if (present.length === wanted.length) return { files, created: false };
  if (present.length > 0) {
    const missing = wanted.filter((f) => !present.includes(f)).map((f) => path.basename(f));
    throw new Error(
      `${dir} holds part of a certificate set: ${missing.join(', ')} missing (remove the rest or add them)`,
    );
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const caKey = path.join(dir, 'ca-key.pem');
  try {
    openssl([
      'req',
      '-x509',
      ...KEY,
      '-keyout',
      caKey,
      '-out',
      files.ca,
      '-days',
      DAYS,
      '-subj',
      '/CN=container-saga dev CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    const names = [
      'DNS:localhost',
      'IP:127.0.0.1',
      ...(hostName && hostName !== 'localhost' ? [`DNS:${hostName}`] : []),
    ];
    leaf(dir, 'server', 'localhost', [`subjectAltName=${names.join(',')}`, 'extendedKeyUsage=serverAuth']);
    leaf(dir, 'client', 'container-saga client', ['extendedKeyUsage=clientAuth']);
  } catch (err) {
    for (const f of [...wanted, caKey]) rmSync(f, { force: true });
    throw err;
  }
  for (const key of [caKey, files.serverKey, files.clientKey]) chmodSync(key, 0o600);
  return { files, created: true };
}

/** The environment a worker or CLI needs to reach the proxy at address (envconfig's variables). */
export function clientEnv(files: MtlsFiles, address: string): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TLS_CLIENT_CERT_PATH: files.clientCert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: files.clientKey,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: files.ca,
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
  };
}
