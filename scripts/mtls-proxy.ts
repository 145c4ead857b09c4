/**
 * The dev server's stand-in for a Temporal frontend configured with mutual TLS (`global.tls` in a real
 * cluster's config): `temporal server start-dev` has no TLS flags, so this terminates TLS in front of it,
 * requiring a client certificate signed by the given CA, and pipes each verified connection to the dev server's
 * plaintext frontend on loopback. gRPC is HTTP/2: after TLS (ALPN h2) the bytes are the h2c the frontend takes.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { MtlsFiles } from './mtls-certs';

export interface MtlsProxyOptions {
  files: MtlsFiles;
  /** where clients connect (host may be 0.0.0.0 to take connections from other hosts) */
  listen: { host: string; port: number };
  /** the dev server's plaintext frontend, on loopback */
  target: { host: string; port: number };
  /**
   * a connection refused during the handshake (no certificate). One whose certificate another CA signed is
   * closed right after it, as Node's TLS server checks the chain then, without an event: it never reaches
   * onAccepted.
   */
  onRefused?: (reason: string, remote: string) => void;
  /** a connection whose client certificate verified, with that certificate's subject CN and fingerprint */
  onAccepted?: (remote: string, client: string) => void;
}

export interface MtlsProxy {
  /** host:port it listens on */
  address: string;
  /** connections that passed the certificate check and were piped to the frontend */
  readonly accepted: number;
  close(): Promise<void>;
}

export async function startMtlsProxy(opts: MtlsProxyOptions): Promise<MtlsProxy> {
  const { files } = opts;
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = tls.createServer(
    {
      ca: readFileSync(files.ca),
      cert: readFileSync(files.serverCert),
      key: readFileSync(files.serverKey),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
      minVersion: 'TLSv1.2',
    },
    (client) => {
      accepted++;
      const cert = client.getPeerCertificate();
      opts.onAccepted?.(
        `${client.remoteAddress}:${client.remotePort}`,
        `CN=${cert.subject?.CN} ${cert.fingerprint256}`,
      );
      const upstream = net.connect(opts.target.port, opts.target.host);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.once('close', () => sockets.delete(s));
      }
      // Either side's end or error ends both: a half-open gRPC connection helps no one.
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).on('close', () => client.destroy());
      upstream.pipe(client).on('close', () => upstream.destroy());
      client.setNoDelay(true);
      upstream.setNoDelay(true);
    },
  );
  server.on('tlsClientError', (err, socket) => {
    // OpenSSL's message without its source file; the address is gone when the client has already hung up
    const reason = err.message
      .split('\n')[0]!
      .replace(/^.*SSL routines:[^:]*:/, '')
      .replace(/:\.\.?\/.*$/, '');
    opts.onRefused?.(reason, socket.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : 'a client');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listen.port, opts.listen.host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as net.AddressInfo;
  return {
    address: `${address.includes(':') ? `[${address}]` : address}:${port}`,
    get accepted() {
      return accepted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
