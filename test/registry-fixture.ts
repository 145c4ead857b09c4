import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runTool } from '../scripts/local-registry';

/**
 * The registry tests' helpers beside the loopback registry of scripts/local-registry.ts (shared with the bench):
 * images built with umoci, manifests put by hand, htpasswd hashes, a byte-counting proxy.
 */
export { missingTools, push, startRegistry, TOOLS, type TestRegistry } from '../scripts/local-registry';

/** bcrypt from libc's crypt(3) through perl (libxcrypt's `$2b$`), the only hash the registry's htpasswd takes. */
export function bcrypt(password: string): string | undefined {
  const alphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const salt = Array.from(randomBytes(22), (b) => alphabet[b % 64]).join('');
  const r = spawnSync('perl', ['-e', 'print crypt($ARGV[0], "\\$2b\\$05\\$" . $ARGV[1])', password, salt], {
    encoding: 'utf8',
  });
  return r.status === 0 && /^\$2b\$05\$[./A-Za-z0-9]{53}$/.test(r.stdout) ? r.stdout : undefined;
}

/**
 * An OCI layout image `layout:tag` with one layer per entry of `layers` (a file per layer), made with umoci:
 * new (no layers), or a copy of the image `from` (its layers the very same blobs: two images built apart get
 * different layers, their files' times differing), then unpack, add the file, repack for each layer.
 */
export function buildImage(layout: string, tag: string, layers: Buffer[], architecture = 'amd64', from?: string): void {
  const work = mkdtempSync(path.join(os.tmpdir(), 'umoci-'));
  try {
    if (!existsSync(layout)) runTool('umoci', ['init', '--layout', layout]);
    if (from) runTool('umoci', ['tag', '--image', `${layout}:${from}`, tag]);
    else {
      runTool('umoci', ['new', '--image', `${layout}:${tag}`]);
      runTool('umoci', ['config', '--image', `${layout}:${tag}`, '--os', 'linux', '--architecture', architecture]);
    }
    const first = from ? 100 : 0; // file names apart from the base's
    layers.forEach((content, j) => {
      const i = first + j;
      const bundle = path.join(work, `b${i}`);
      runTool('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle]);
      writeFileSync(path.join(bundle, 'rootfs', `layer-${i}`), content);
      runTool('umoci', ['repack', '--image', `${layout}:${tag}`, bundle]);
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
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
