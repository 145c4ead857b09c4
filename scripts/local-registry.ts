import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort } from './dev-server';

/**
 * A real registry on loopback for the registry tests and the bench's pull section: Debian's `docker-registry`
 * (distribution 2.8) on a free loopback port with its own storage, images pushed with skopeo. Stopped by its pid.
 */

export const TOOLS = ['docker-registry', 'umoci', 'skopeo'] as const;
export const missingTools = () => TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);

export interface TestRegistry {
  domain: string;
  port: number;
  storage: string;
  child: ChildProcess;
  /** The data file of a blob in the registry's storage (to corrupt it). */
  blobData(digest: string): string;
  stop(): Promise<void>;
}

/**
 * `storage` may be another registry's: several servers can read one store (a killable or an authenticating one).
 * `socket`: the registry listens on this unix socket instead of a loopback port (`domain` is then `unix:<socket>`
 * and `port` 0), for clients in other network namespaces reached through relays (scripts/bench/registry-relay.cjs).
 */
export async function startRegistry(
  dir: string,
  opts: {
    auth?: { user: string; hash: string };
    token?: { realm: string; service: string; issuer: string; certFile: string };
    storage?: string;
    socket?: string;
  } = {},
): Promise<TestRegistry> {
  const { auth } = opts;
  mkdirSync(dir, { recursive: true });
  const { socket } = opts;
  const port = socket ? 0 : await freePort();
  const storage = opts.storage ?? path.join(dir, 'storage');
  mkdirSync(storage, { recursive: true });
  let authConfig = '';
  if (auth) {
    writeFileSync(path.join(dir, 'htpasswd'), `${auth.user}:${auth.hash}\n`);
    authConfig = `auth:\n  htpasswd:\n    realm: test-realm\n    path: ${path.join(dir, 'htpasswd')}\n`;
  }
  const { token } = opts;
  if (token) {
    authConfig =
      `auth:\n  token:\n    realm: ${token.realm}\n    service: ${token.service}\n    issuer: ${token.issuer}\n` +
      `    rootcertbundle: ${token.certFile}\n`;
  }
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\n` +
      `http:\n${socket ? `  net: unix\n  addr: ${socket}` : `  addr: 127.0.0.1:${port}`}\n  secret: test-secret\n${authConfig}`,
  );
  const log = openSync(path.join(dir, 'registry.log'), 'w');
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', log, log] });
  const domain = socket ? `unix:${socket}` : `127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited ${child.exitCode}; see ${dir}/registry.log`);
    const status = await probe(socket ? { socketPath: socket } : { host: '127.0.0.1', port });
    if (status === 200 || status === 401) break;
    if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${domain}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    domain,
    port,
    storage,
    child,
    blobData: (digest) => {
      const hex = digest.replace(/^sha256:/, '');
      return path.join(storage, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      const gone = new Promise((r) => child.once('exit', r));
      process.kill(child.pid, 'SIGTERM');
      await gone;
    },
  };
}

/** GET /v2/'s status, or undefined while nothing listens. */
function probe(where: http.RequestOptions): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ ...where, path: '/v2/' }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
  });
}

/** Runs a tool to its end; throws with its stderr when it fails. */
export function runTool(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
}

/** skopeo copy of `layout:tag` to `domain/name:destTag` (OCI manifests, or Docker v2 schema 2). */
export function push(layout: string, tag: string, dest: string, format?: 'v2s2', creds?: string): void {
  const args = ['copy', '-q', '--dest-tls-verify=false', `oci:${layout}:${tag}`, `docker://${dest}`];
  if (format) args.push('--format', format);
  if (creds) args.push('--dest-creds', creds);
  runTool('skopeo', args);
}
