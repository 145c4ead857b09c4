import { freePort } from '../scripts/dev-server';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A real registry for the client's end-to-end tests: Debian's `docker-registry` (distribution 2.8) on a free
 * loopback port with its own storage, images built with umoci and pushed with skopeo. Stopped by its pid.
 */

export const TOOLS = ['docker-registry', 'umoci', 'skopeo'] as const;
export const missingTools = () => TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);

/** bcrypt from libc's crypt(3) through perl (libxcrypt's `$2b$`), the only hash the registry's htpasswd takes. */
export function bcrypt(password: string): string | undefined {
  const alphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const salt = Array.from(randomBytes(22), (b) => alphabet[b % 64]).join('');
  const r = spawnSync('perl', ['-e', 'print crypt($ARGV[0], "\\$2b\\$05\\$" . $ARGV[1])', password, salt], {
    encoding: 'utf8',
  });
  return r.status === 0 && /^\$2b\$05\$[./A-Za-z0-9]{53}$/.test(r.stdout) ? r.stdout : undefined;
}

export interface TestRegistry {
  domain: string;
  port: number;
  storage: string;
  child: ChildProcess;
  /** The data file of a blob in the registry's storage (to corrupt it). */
  blobData(digest: string): string;
  stop(): Promise<void>;
}

/** `storage` may be another registry's: several servers can read one store (a killable or an authenticating one). */
export async function startRegistry(
  dir: string,
  opts: {
    auth?: { user: string; hash: string };
    token?: { realm: string; service: string; issuer: string; certFile: string };
    storage?: string;
  } = {},
): Promise<TestRegistry> {
  const { auth } = opts;
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
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
      `http:\n  addr: 127.0.0.1:${port}\n  secret: test-secret\n${authConfig}`,
  );
  const log = openSync(path.join(dir, 'registry.log'), 'w');
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', log, log] });
  const domain = `127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited ${child.exitCode}; see ${dir}/registry.log`);
    try {
      const res = await fetch(`http://${domain}/v2/`);
      await res.body?.cancel();
      if (res.status === 200 || res.status === 401) break;
    } catch {
      // not listening yet
    }
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

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
}

/**
 * An OCI layout image `layout:tag` with one layer per entry of `layers` (a file per layer), made with umoci:
 * new (no layers), then unpack, add the file, repack for each layer.
 */
export function buildImage(layout: string, tag: string, layers: Buffer[], architecture = 'amd64'): void {
  const work = mkdtempSync(path.join(os.tmpdir(), 'umoci-'));
  try {
    if (!existsSync(layout)) run('umoci', ['init', '--layout', layout]);
    run('umoci', ['new', '--image', `${layout}:${tag}`]);
    run('umoci', ['config', '--image', `${layout}:${tag}`, '--os', 'linux', '--architecture', architecture]);
    layers.forEach((content, i) => {
      const bundle = path.join(work, `b${i}`);
      run('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle]);
      writeFileSync(path.join(bundle, 'rootfs', `layer-${i}`), content);
      run('umoci', ['repack', '--image', `${layout}:${tag}`, bundle]);
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** skopeo copy of `layout:tag` to `domain/name:destTag` (OCI manifests, or Docker v2 schema 2). */
export function push(layout: string, tag: string, dest: string, format?: 'v2s2', creds?: string): void {
  const args = ['copy', '-q', '--dest-tls-verify=false', `oci:${layout}:${tag}`, `docker://${dest}`];
  if (format) args.push('--format', format);
  if (creds) args.push('--dest-creds', creds);
  run('skopeo', args);
}

/** PUTs a manifest (an index made by hand) under `name:tag`; returns the registry's digest for it. */
export async function putManifest(domain: string, name: string, tag: string, mediaType: string, body: string) {
  const res = await fetch(`http://${domain}/v2/${name}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': mediaType },
    body,
  });
  if (res.status !== 201) throw new Error(`PUT manifest ${name}:${tag}: ${res.status} ${await res.text()}`);
  return res.headers.get('docker-content-digest') as string;
}

/** A loopback TCP proxy to `port` that counts the bytes it sends back (what a client downloaded). */
export async function countingProxy(port: number) {
  const stats = { down: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    upstream.on('data', (chunk: Buffer) => (stats.down += chunk.length));
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    stats,
    domain: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
