/**
 * `npm run server --mtls DIR`: the certificate set (scripts/mtls-certs.ts) and the proxy (scripts/mtls-proxy.ts)
 * in front of the dev server, and the lines that tell the operator how clients reach it.
 */
import { clientEnv, ensureMtlsCertificates, type MtlsFiles } from './mtls-certs';
import { startMtlsProxy, type MtlsProxy } from './mtls-proxy';

export interface ServerMtls {
  proxy: MtlsProxy;
  /** `export TEMPORAL_…=…` lines: what a worker, the CLI or the `temporal` CLI (through envconfig) needs */
  clientEnvLines(): string[];
  close(): Promise<void>;
}

/** The certificates in dir, made when it has none; says which. Run before anything starts. */
export function prepareMtlsFiles(dir: string, log: (line: string) => void): MtlsFiles {
  const { files, created } = ensureMtlsCertificates(dir);
  log(
    created
      ? `created a test CA, a server and a client certificate in ${dir} (keys mode 0600; ca-key.pem signs more clients)`
      : `client certificates verified against ${files.ca} (server certificate ${files.serverCert})`,
  );
  return files;
}

/** The proxy on listen, to the dev server's plaintext frontend at target (host:port on loopback). */
export async function startServerMtls(
  files: MtlsFiles,
  listen: { host: string; port: number },
  target: string,
  log: (line: string) => void,
): Promise<ServerMtls> {
  const i = target.lastIndexOf(':');
  const proxy = await startMtlsProxy({
    files,
    // "localhost" may resolve to ::1 alone; the server certificate names 127.0.0.1
    listen: { host: listen.host === 'localhost' ? '127.0.0.1' : listen.host, port: listen.port },
    target: { host: target.slice(0, i), port: Number(target.slice(i + 1)) },
    onRefused: (reason, remote) => log(`mTLS: refused ${remote}: ${reason}`),
    onAccepted: (remote, client) => log(`mTLS: accepted ${remote} (${client})`),
  });
  log(`mTLS proxy on ${proxy.address} (client certificate required) → ${target}`);
  const local = ['0.0.0.0', '::', '127.0.0.1', 'localhost'].includes(listen.host);
  const address = `${local ? 'localhost' : listen.host}:${listen.port}`;
  return {
    proxy,
    clientEnvLines: () => Object.entries(clientEnv(files, address)).map(([k, v]) => `export ${k}=${v}`),
    close: () => proxy.close(),
  };
}
