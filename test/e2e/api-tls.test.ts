import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, makeTestCerts, type TestCerts } from '../api-certs';
import { docker, simulatedApiSuite } from '../api-harness';

// Docker's client over TCP with TLS client certificates (DOCKER_TLS_VERIFY=1, DOCKER_CERT_PATH), as against
// `dockerd --tlsverify`: the API serves it, and refuses a client whose certificate its CA did not sign.

let dir: string;
let certs: TestCerts;
let port: number;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-api-tls-e2e-'));
  certs = await makeTestCerts(dir);
  port = await freePort();
}, 60_000);
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const suite = simulatedApiSuite('api-tls', () => ({
  CONTAINER_SAGA_API_TCP: `127.0.0.1:${port}`,
  CONTAINER_SAGA_API_TLS_DIR: certs.serverDir,
}));

const tcp = (certPath: string, ...args: string[]) =>
  docker(suite.api, args, {
    env: { DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certPath },
  });

describe('docker client (20.10) over TLS with client certificates', () => {
  it('version, run -d, ps, inspect, logs and rm -f', async () => {
    const ok = async (...args: string[]) => {
      const r = await tcp(certs.clientDir, ...args);
      expect(r.code, `docker ${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r.stdout;
    };
    expect(await ok('version', '--format', '{{.Server.APIVersion}}')).toBe('1.41\n');
    const id = (await ok('run', '-d', '--name', 'tls-web', 'busybox', 'sleep', '1000')).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await ok('ps', '--format', '{{.Names}} {{.Status}}')).toMatch(/^tls-web Up /);
    expect(await ok('inspect', '-f', '{{.State.Running}}', 'tls-web')).toBe('true\n');
    expect(await ok('logs', 'tls-web')).toBe('');
    expect(await ok('rm', '-f', 'tls-web')).toBe('tls-web\n');
  });

  it('a client whose certificate another CA signed fails at the handshake', async () => {
    const r = await tcp(certs.rogueDir, 'ps');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/tls|certificate/i);
    expect(r.stdout).toBe('');
  });
});
