import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

export { freePort } from '../scripts/dev-server';

const run = promisify(execFile);

/**
 * Test certificates made with openssl, laid out as Docker's documentation lays them out: the server's
 * directory (CONTAINER_SAGA_API_TLS_DIR: ca.pem, server-cert.pem, server-key.pem) and a client's
 * (DOCKER_CERT_PATH: ca.pem, cert.pem, key.pem); plus a client signed by another CA, which must be refused.
 */
export interface TestCerts {
  serverDir: string;
  clientDir: string;
  rogueDir: string;
}

export async function makeTestCerts(dir: string): Promise<TestCerts> {
  const f = (name: string) => path.join(dir, name);
  const ssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  const ca = async (name: string) => {
    await ssl('genrsa', '-out', f(`${name}-key.pem`), '2048');
    await ssl(
      'req',
      '-x509',
      '-new',
      '-key',
      f(`${name}-key.pem`),
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-out',
      f(`${name}.pem`),
    );
  };
  const signed = async (name: string, by: string, subject: string, ext: string) => {
    await ssl('genrsa', '-out', f(`${name}-key.pem`), '2048');
    await ssl('req', '-new', '-key', f(`${name}-key.pem`), '-subj', subject, '-out', f(`${name}.csr`));
    await fs.writeFile(f(`${name}.ext`), ext);
    await ssl(
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f(`${by}.pem`),
      '-CAkey',
      f(`${by}-key.pem`),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      f(`${name}.ext`),
      '-out',
      f(`${name}-cert.pem`),
    );
  };
  await ca('ca');
  await ca('rogue-ca');
  await signed(
    'server',
    'ca',
    '/CN=localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  await signed('client', 'ca', '/CN=client', 'extendedKeyUsage=clientAuth\n');
  await signed('rogue', 'rogue-ca', '/CN=rogue', 'extendedKeyUsage=clientAuth\n');
  const lay = async (sub: string, files: Record<string, string>) => {
    await fs.mkdir(f(sub), { mode: 0o700 });
    for (const [to, from] of Object.entries(files)) await fs.copyFile(f(from), path.join(f(sub), to));
    return f(sub);
  };
  return {
    serverDir: await lay('server', {
      'ca.pem': 'ca.pem',
      'server-cert.pem': 'server-cert.pem',
      'server-key.pem': 'server-key.pem',
    }),
    clientDir: await lay('client', { 'ca.pem': 'ca.pem', 'cert.pem': 'client-cert.pem', 'key.pem': 'client-key.pem' }),
    rogueDir: await lay('rogue', { 'ca.pem': 'ca.pem', 'cert.pem': 'rogue-cert.pem', 'key.pem': 'rogue-key.pem' }),
  };
}
