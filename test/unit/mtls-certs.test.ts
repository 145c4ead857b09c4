import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureMtlsCertificates } from '../../scripts/mtls-certs';

// The certificate set `npm run server --mtls DIR` makes with openssl (scripts/mtls-certs.ts).
const root = mkdtempSync(path.join(os.tmpdir(), 'cs-mtls-certs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cert = (file: string) => new X509Certificate(readFileSync(file));

describe('ensureMtlsCertificates', () => {
  it('makes a CA, a server certificate for localhost and a client certificate it signed; keys 0600, dir 0700', () => {
    const dir = path.join(root, 'new');
    const { files, created } = ensureMtlsCertificates(dir, 'build-host');
    expect(created).toBe(true);
    const ca = cert(files.ca);
    expect(ca.ca).toBe(true);
    const server = cert(files.serverCert);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, DNS:build-host');
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
    const client = cert(files.clientCert);
    expect(client.verify(ca.publicKey)).toBe(true);
    expect(client.keyUsage).toContain('1.3.6.1.5.5.7.3.2'); // clientAuth
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const key of [files.serverKey, files.clientKey, path.join(dir, 'ca-key.pem')])
      expect(statSync(key).mode & 0o777).toBe(0o600);
  });

  it('uses a complete set as it is', () => {
    const dir = path.join(root, 'again');
    const first = ensureMtlsCertificates(dir);
    const before = readFileSync(first.files.clientCert, 'utf8');
    const second = ensureMtlsCertificates(dir);
    expect(second.created).toBe(false);
    expect(readFileSync(second.files.clientCert, 'utf8')).toBe(before);
  });

  it('refuses a partial set, naming what is missing, and creates nothing', () => {
    const dir = path.join(root, 'partial');
    const { files } = ensureMtlsCertificates(dir);
    rmSync(files.clientKey);
    expect(() => ensureMtlsCertificates(dir)).toThrow(`${dir} holds part of a certificate set: client-key.pem missing`);
    expect(existsSync(files.clientKey)).toBe(false);
  });
});
