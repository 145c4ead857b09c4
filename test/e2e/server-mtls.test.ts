/**
 * `npm run server --mtls DIR` as an operator runs it (scripts/server.ts, a child process): the dev server behind
 * the client-certificate proxy, with a real worker process and the real CLI configured only through envconfig's
 * TEMPORAL_* variables, a client without a certificate and one with another CA's refused, and the `temporal`
 * CLI through it with --tls-* flags. And the codec server's token in no process's argv nor in the Web UI's
 * settings.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../scripts/dev-server';
import { ensureMtlsCertificates, mtlsFiles, type MtlsFiles } from '../../scripts/mtls-certs';
import { spawnWorker, writeBundle, type WorkerProcess } from '../durability/worker-process';
import { cli, REPO, until } from '../harness';

const run = promisify(execFile);

let dir: string;
let files: MtlsFiles;
let server: ChildProcess;
let out = '';
let port: number;
let uiPort: number;
let worker: WorkerProcess;
/** what `npm run server` printed for clients: TEMPORAL_ADDRESS and TEMPORAL_TLS_* */
let clientEnv: Record<string, string>;
let token: string;
const taskQueue = `mtls-${process.pid}`;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-mtls-'));
  [port, uiPort] = [await freePort(), await freePort()];
  const bundle = writeBundle(dir);
  server = spawn(process.execPath, ['-r', 'tsx/cjs', 'scripts/server.ts', '--mtls', path.join(dir, 'certs')], {
    cwd: REPO,
    env: {
      ...process.env,
      CONTAINER_SAGA_ROOT: path.join(dir, 'root'),
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      TEMPORAL_UI_PORT: String(uiPort),
      CONTAINER_SAGA_CODEC_ADDRESS: `127.0.0.1:${await freePort()}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await until(
    'npm run server --mtls to be ready',
    async () => {
      if (server.exitCode !== null) throw new Error(`npm run server exited (${server.exitCode}):\n${out}`);
      return out.includes('Ctrl-C to stop') || undefined;
    },
    60_000,
  );
  clientEnv = Object.fromEntries([...out.matchAll(/^ {2}export (TEMPORAL_\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
  token = /codec endpoint \(secret\) http:\/\/[^/\s]+\/(\S+)/.exec(out)![1]!;
  files = mtlsFiles(path.join(dir, 'certs'));
  worker = await spawnWorker({
    ...clientEnv,
    CONTAINER_SAGA_DRIVER: 'simulated',
    CONTAINER_SAGA_ROOT: path.join(dir, 'worker-root'),
    CONTAINER_SAGA_TASK_QUEUE: taskQueue,
    CONTAINER_SAGA_WORKFLOW_BUNDLE: await bundle,
  });
}, 90_000);

afterAll(async () => {
  await worker?.kill('SIGTERM');
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGINT');
    await exited;
  }
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

/**
 * A raw TLS connection to the proxy: resolves with the error it ends with, 'closed' when the proxy closes it
 * without one, or 'open' when it is still served after a second. TLS 1.3: the client's handshake ends before
 * the server has checked its certificate, so the refusal comes after 'secureConnect'.
 */
function tlsAttempt(opts: tls.ConnectionOptions): Promise<NodeJS.ErrnoException | 'open' | 'closed'> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ALPNProtocols: ['h2'], ...opts });
    socket.once('error', (err) => resolve(err));
    socket.once('close', () => resolve('closed'));
    socket.once('secureConnect', () => {
      socket.resume();
      setTimeout(() => (socket.destroy(), resolve('open')), 1000);
    });
  });
}

/** The client certificates of the connections the proxy passed on, from npm run server's output. */
const accepts = () => [...out.matchAll(/^server: mTLS: accepted 127\.0\.0\.1:\d+ \((.*)\)$/gm)].map((m) => m[1]!);
const fingerprint = (file: string) => new X509Certificate(readFileSync(file)).fingerprint256;
const ours = () => ({ cert: readFileSync(files.clientCert), key: readFileSync(files.clientKey) });

/** The proxy's "refused" lines in npm run server's output. */
const refusals = () =>
  [...out.matchAll(/^server: mTLS: refused (?:127\.0\.0\.1:\d+|a client): (.*)$/gm)].map((m) => m[1]!);

const temporal = (args: string[]) =>
  run(inject('temporalCliPath'), args, { timeout: 20_000 }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: err.code ?? -1,
      out: `${err.stdout ?? ''}${err.stderr ?? ''}`,
    }),
  );

describe('npm run server --mtls: Temporal only for holders of a client certificate', () => {
  it('made the certificate set and prints the TEMPORAL_TLS_* variables clients need', async () => {
    expect(clientEnv).toEqual({
      TEMPORAL_ADDRESS: `localhost:${port}`,
      TEMPORAL_TLS_CLIENT_CERT_PATH: files.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: files.clientKey,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: files.ca,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    });
    expect((await fs.stat(files.dir)).mode & 0o777).toBe(0o700);
    for (const key of [files.clientKey, files.serverKey, path.join(files.dir, 'ca-key.pem')])
      expect((await fs.stat(key)).mode & 0o777).toBe(0o600);
  });

  it('a worker and the CLI configured through envconfig alone start a container end to end', async () => {
    expect(worker.output()).toContain('TLS on (client certificate)');
    const w = { address: clientEnv.TEMPORAL_ADDRESS!, taskQueue };
    const created = await cli(w, ['create', '--name', 'web', 'busybox', 'sleep', '1000'], clientEnv);
    expect(created.code, created.stderr).toBe(0);
    const started = await cli(w, ['start', 'web'], clientEnv);
    expect(started.code, started.stderr).toBe(0);
    const inspected = await cli(w, ['inspect', 'web'], clientEnv);
    expect(inspected.code, inspected.stderr).toBe(0);
    expect(JSON.parse(inspected.stdout)[0].State).toMatchObject({ Running: true, Status: 'running' });
  });

  it('refuses a client with no certificate: the handshake fails, the CLI and the SDK cannot connect', async () => {
    const err = await tlsAttempt({ ca: readFileSync(files.ca) });
    expect((err as NodeJS.ErrnoException).code).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    const r = await cli({ address: clientEnv.TEMPORAL_ADDRESS!, taskQueue }, ['ps', '-a'], {
      ...clientEnv,
      TEMPORAL_TLS_CLIENT_CERT_PATH: undefined,
      TEMPORAL_TLS_CLIENT_KEY_PATH: undefined,
    });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    const before = refusals().length;
    await expect(
      NativeConnection.connect({
        address: clientEnv.TEMPORAL_ADDRESS!,
        tls: { serverRootCACertificate: readFileSync(files.ca), serverNameOverride: 'localhost' },
      }),
    ).rejects.toThrow(/GetSystemInfo/);
    await until('the proxy to log the refusal', async () => refusals().length > before || undefined, 5000);
    expect(refusals().slice(before)).toContainEqual(expect.stringContaining('peer did not return a certificate'));
  });

  it('refuses a client certificate signed by another CA', async () => {
    const other = ensureMtlsCertificates(path.join(dir, 'other-ca')).files;
    const acceptedBefore = accepts().length;
    const err = await tlsAttempt({
      ca: readFileSync(files.ca),
      cert: readFileSync(other.clientCert),
      key: readFileSync(other.clientKey),
    });
    // Node's TLS server checks the chain after the handshake and closes the connection without an alert
    expect(err).toBe('closed');
    await expect(
      NativeConnection.connect({
        address: clientEnv.TEMPORAL_ADDRESS!,
        tls: {
          serverRootCACertificate: readFileSync(files.ca),
          serverNameOverride: 'localhost',
          clientCertPair: { crt: readFileSync(other.clientCert), key: readFileSync(other.clientKey) },
        },
      }),
    ).rejects.toThrow(/GetSystemInfo/);
    // neither reached the frontend; a connection with our own certificate did
    expect(await tlsAttempt({ ca: readFileSync(files.ca), ...ours() })).toBe('open');
    await until('the proxy to log the connection', async () => accepts().length > acceptedBefore || undefined, 5000);
    expect(accepts().slice(acceptedBefore)).toContain(`CN=container-saga client ${fingerprint(files.clientCert)}`);
    expect(accepts().filter((a) => a.includes(fingerprint(other.clientCert)))).toEqual([]);
  });

  it('the temporal CLI works through it with --tls-* flags, and not without a certificate', async () => {
    const address = ['--address', clientEnv.TEMPORAL_ADDRESS!];
    const listed = await temporal([
      'workflow',
      'list',
      ...address,
      ...['--tls-cert-path', files.clientCert, '--tls-key-path', files.clientKey, '--tls-ca-path', files.ca],
      ...['--query', "WorkflowType = 'containerStart'", '-o', 'json'],
    ]);
    expect(listed.code, listed.out).toBe(0);
    expect(listed.out).toContain('container-start-');
    const plain = await temporal(['workflow', 'list', ...address]);
    expect(plain.code).not.toBe(0);
    expect(plain.out).toContain('the server requires TLS but the CLI is connecting without it');
    const noCert = await temporal(['workflow', 'list', ...address, '--tls-ca-path', files.ca]);
    expect(noCert.code).not.toBe(0);
    expect(noCert.out).toContain('server requires client certificate');
  });

  it("keeps the codec server's token out of every process's argv and out of the Web UI's settings", async () => {
    const cmdlines = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .map((p) => {
        try {
          return { pid: p, cmdline: readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ') };
        } catch {
          return { pid: p, cmdline: '' }; // gone meanwhile
        }
      });
    expect(cmdlines.filter((c) => c.cmdline.includes(token))).toEqual([]);
    // the dev server and npm run server's node are among the processes read
    expect(
      cmdlines.some((c) => /temporal server start-dev .*--ui-port (\d+)/.exec(c.cmdline)?.[1] === String(uiPort)),
    ).toBe(true);
    expect(cmdlines.some((c) => c.pid === String(server.pid))).toBe(true);
    const settings = await (await fetch(`http://127.0.0.1:${uiPort}/api/v1/settings`)).text();
    expect(JSON.parse(settings).Codec.Endpoint).toBe('');
    expect(settings).not.toContain(token);
  });
});
