/**
 * The Engine API over TCP: TLS with client certificates (Docker's --tlsverify) or no listener at all; the
 * certificates are made with openssl for this file (test/api-certs.ts).
 */
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../../api/start';
import { freePort, makeTestCerts, type TestCerts } from '../api-certs';

let dir: string;
let certs: TestCerts;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-api-tls-'));
  certs = await makeTestCerts(dir);
}, 60_000);

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const client = (from: string) => ({
  ca: readFileSync(path.join(from, 'ca.pem')),
  cert: readFileSync(path.join(from, 'cert.pem')),
  key: readFileSync(path.join(from, 'key.pem')),
});

/** GET over TLS; the status and body, or the error's code or message when the handshake fails. */
function get(
  port: number,
  opts: { ca: Buffer; cert?: Buffer; key?: Buffer; hostHeader?: string },
  urlPath = '/_ping',
): Promise<string> {
  return new Promise((resolve) => {
    const req = https.get(
      {
        host: '127.0.0.1',
        port,
        servername: 'localhost', // verified against the certificate whatever Host says
        path: urlPath,
        ca: opts.ca,
        ...(opts.cert ? { cert: opts.cert, key: opts.key } : {}),
        headers: opts.hostHeader ? { Host: opts.hostHeader } : {},
      },
      (res) => {
        let t = '';
        res.on('data', (d: Buffer) => (t += d.toString()));
        res.on('end', () => resolve(`${res.statusCode} ${t}`));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code ?? err.message}`));
  });
}

const env = (port: number, extra: NodeJS.ProcessEnv) => ({
  TEMPORAL_ADDRESS: '127.0.0.1:1',
  CONTAINER_SAGA_API_TCP: `127.0.0.1:${port}`,
  ...extra,
});

describe('the Engine API on TCP', () => {
  it('refuses to start without TLS, listening nowhere', async () => {
    const socketPath = path.join(dir, 'none', 'docker.sock');
    await expect(startApi({ env: env(await freePort(), {}), socketPath })).rejects.toThrow(
      /^CONTAINER_SAGA_API_TCP requires TLS with client certificates .*CONTAINER_SAGA_API_TLS_DIR \(holding ca\.pem, server-cert\.pem, server-key\.pem\)/,
    );
    expect(existsSync(socketPath)).toBe(false);
  });

  it('refuses to start when a TLS file is missing, naming it', async () => {
    await expect(
      startApi({
        env: env(await freePort(), { CONTAINER_SAGA_API_TLS_DIR: path.join(dir, 'client') }),
        socketPath: path.join(dir, 'm', 'docker.sock'),
      }),
    ).rejects.toThrow(`cannot read the Engine API's TLS certificate ${path.join(dir, 'client', 'server-cert.pem')}`);
  });

  it('with CONTAINER_SAGA_API_TLS_DIR: serves clients with a certificate of its CA, refuses others at the handshake', async () => {
    const port = await freePort();
    const api = await startApi({
      env: env(port, { CONTAINER_SAGA_API_TLS_DIR: certs.serverDir }),
      socketPath: path.join(dir, 'tls', 'docker.sock'),
    });
    try {
      expect(api.tcp).toEqual({ host: '127.0.0.1', port, tls: true });
      const good = client(certs.clientDir);
      expect(await get(port, good)).toBe('200 OK');
      expect(await get(port, { ca: good.ca })).toMatch(/^error /); // no client certificate
      const rogue = client(certs.rogueDir);
      expect(await get(port, { ...rogue, ca: good.ca })).toMatch(/^error /); // signed by another CA
      // Plain HTTP on the TLS port gets no answer from the API.
      const plain = await new Promise<string>((resolve) => {
        const c = net.connect(port, '127.0.0.1', () => c.write('GET /_ping HTTP/1.1\r\nHost: localhost\r\n\r\n'));
        let t = '';
        c.on('data', (d: Buffer) => (t += d.toString('latin1')));
        c.on('close', () => resolve(t));
        c.on('error', () => undefined);
      });
      expect(plain).not.toMatch(/OK/);
      // A name the certificate holds is this server's; any other is a rebinding page's.
      expect(await get(port, { ...good, hostHeader: `localhost:${port}` })).toBe('200 OK');
      const evil = await get(port, { ...good, hostHeader: 'evil.example' });
      expect(evil).toMatch(/^403 /);
      expect(JSON.parse(evil.slice(4)).message).toMatch(/Host "evil\.example" is not this server's name/);
    } finally {
      await api.close();
    }
  });

  it('takes the CA, certificate and key one by one too, as dockerd --tlscacert, --tlscert and --tlskey take them', async () => {
    const port = await freePort();
    const api = await startApi({
      env: env(port, {
        CONTAINER_SAGA_API_TLS_CA: path.join(certs.serverDir, 'ca.pem'),
        CONTAINER_SAGA_API_TLS_CERT: path.join(certs.serverDir, 'server-cert.pem'),
        CONTAINER_SAGA_API_TLS_KEY: path.join(certs.serverDir, 'server-key.pem'),
      }),
      socketPath: path.join(dir, 'each', 'docker.sock'),
    });
    try {
      const good = client(certs.clientDir);
      expect(await get(port, good)).toBe('200 OK');
      expect(await get(port, { ca: good.ca })).toMatch(/^error /);
    } finally {
      await api.close();
    }
  });

  it('closes a connection whose TLS handshake never begins within the headers timeout', async () => {
    const { createApiServer } = await import('../../api/server');
    const { defaultLimits } = await import('../../api/limits');
    const { loadApiTls } = await import('../../api/tls');
    const { Router } = await import('../../api/router');
    const tls = await loadApiTls({
      ca: path.join(certs.serverDir, 'ca.pem'),
      cert: path.join(certs.serverDir, 'server-cert.pem'),
      key: path.join(certs.serverDir, 'server-key.pem'),
    });
    const ctx = { address: 'nowhere:1', session: () => Promise.reject(new Error('unused')) };
    const server = createApiServer(ctx, new Router(), undefined, undefined, {
      tls: tls.options,
      limits: { ...defaultLimits(), headersTimeoutMs: 500 },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const began = Date.now();
      await new Promise<void>((resolve) => {
        const c = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
        c.on('close', () => resolve());
        c.on('error', () => undefined);
      });
      expect(Date.now() - began).toBeLessThan(2000);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('serves plain HTTP only on loopback with CONTAINER_SAGA_API_TCP_INSECURE=1, warning loudly', async () => {
    await expect(
      startApi({
        env: env(await freePort(), { CONTAINER_SAGA_API_TCP: '0.0.0.0:2375', CONTAINER_SAGA_API_TCP_INSECURE: '1' }),
        socketPath: path.join(dir, 'i0', 'docker.sock'),
      }),
    ).rejects.toThrow(/CONTAINER_SAGA_API_TCP_INSECURE serves loopback only; 0\.0\.0\.0 needs TLS/);
    const port = await freePort();
    const warnings: string[] = [];
    const api = await startApi({
      env: env(port, { CONTAINER_SAGA_API_TCP_INSECURE: '1' }),
      socketPath: path.join(dir, 'i1', 'docker.sock'),
      onWarning: (m) => warnings.push(m),
    });
    try {
      expect(api.tcp).toEqual({ host: '127.0.0.1', port, tls: false });
      expect(warnings).toEqual([
        expect.stringMatching(/^WARNING: CONTAINER_SAGA_API_TCP_INSECURE=1: .* has no authentication/),
      ]);
    } finally {
      await api.close();
    }
  });
});
