import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import tls from 'node:tls';
import type { ApiTlsFiles } from '../config/api';

/** The TCP listener's TLS: what https.createServer takes, and the names its certificate is valid for. */
export interface ApiTls {
  readonly options: tls.TlsOptions;
  /** the certificate's DNS and IP subject alternative names, lower case: Host values clients may send */
  readonly names: readonly string[];
}

/**
 * Reads the CA, certificate and key, as dockerd --tlsverify uses them: clients must present a certificate
 * signed by the CA, or the handshake fails before any request is read. Each failure names its file.
 */
export async function loadApiTls(files: ApiTlsFiles): Promise<ApiTls> {
  const read = async (what: string, file: string) => {
    try {
      return await fs.readFile(file);
    } catch (err) {
      throw new Error(`cannot read the Engine API's TLS ${what} ${file}: ${(err as Error).message}`);
    }
  };
  const [ca, cert, key] = [
    await read('CA', files.ca),
    await read('certificate', files.cert),
    await read('key', files.key),
  ];
  let names: string[];
  try {
    new X509Certificate(ca);
    names = sanNames(new X509Certificate(cert).subjectAltName);
  } catch (err) {
    throw new Error(
      `the Engine API's TLS CA ${files.ca} or certificate ${files.cert} is not a PEM certificate: ${(err as Error).message}`,
    );
  }
  const options: tls.TlsOptions = { ca, cert, key, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' };
  try {
    tls.createSecureContext(options); // a key that does not match the certificate fails here, not on the first client
  } catch (err) {
    throw new Error(
      `the Engine API's TLS key ${files.key} does not fit certificate ${files.cert}: ${(err as Error).message}`,
    );
  }
  return { options, names };
}

/** `DNS:localhost, IP Address:127.0.0.1` → ['localhost', '127.0.0.1']. */
function sanNames(san: string | undefined): string[] {
  if (!san) return [];
  return san
    .split(/,\s*/)
    .map((entry) => /^(?:DNS|IP Address):(.+)$/.exec(entry)?.[1]?.toLowerCase())
    .filter((n): n is string => n !== undefined);
}
