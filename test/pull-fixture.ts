import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildBusybox } from '../images/busybox';
import type { ImageStore } from '../images/store';

/** Pull tests' helpers: images made with umoci (busybox, whiteouts), a throttling proxy, what a store holds. */

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
}

/**
 * `layout:tag`: layer 1 the host's static busybox (a shell to run) with /data/{keep,gone,dir/x}, layer 2 deletes
 * /data/gone and /data/dir (umoci writes whiteouts) and adds /data/new; Cmd `sh -c 'ls /data'`, Env FOO=bar.
 */
export async function buildWhiteoutImage(layout: string, tag: string): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'umoci-wh-'));
  try {
    if (!existsSync(layout)) run('umoci', ['init', '--layout', layout]);
    run('umoci', ['new', '--image', `${layout}:${tag}`]);
    run('umoci', ['config', '--image', `${layout}:${tag}`, '--os', 'linux', '--architecture', 'amd64']);
    const b1 = path.join(work, 'b1');
    run('umoci', ['unpack', '--image', `${layout}:${tag}`, b1]);
    const r1 = path.join(b1, 'rootfs');
    await buildBusybox(r1);
    run('mkdir', ['-p', `${r1}/data/dir`]);
    for (const f of ['keep', 'gone', 'dir/x']) writeFileSync(path.join(r1, 'data', f), `${f}\n`);
    run('umoci', ['repack', '--image', `${layout}:${tag}`, b1]);
    const b2 = path.join(work, 'b2');
    run('umoci', ['unpack', '--image', `${layout}:${tag}`, b2]);
    const r2 = path.join(b2, 'rootfs');
    rmSync(path.join(r2, 'data/gone'));
    rmSync(path.join(r2, 'data/dir'), { recursive: true });
    writeFileSync(path.join(r2, 'data/new'), 'new\n');
    run('umoci', ['repack', '--image', `${layout}:${tag}`, b2]);
    run('umoci', [
      'config',
      '--image',
      `${layout}:${tag}`,
      '--config.cmd',
      'sh',
      '--config.cmd',
      '-c',
      '--config.cmd',
      'echo $FOO; ls /data',
      '--config.env',
      'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
      '--config.env',
      'FOO=bar',
    ]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * A loopback TCP proxy to `port` counting the bytes it sends back, at most `rate` bytes a second from each
 * upstream connection while `rate` is set (a slow registry to interrupt mid-layer).
 */
export async function throttledProxy(port: number, rate?: number) {
  const stats = { down: 0, rate };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    const began = Date.now();
    let sent = 0;
    upstream.on('data', (chunk: Buffer) => {
      stats.down += chunk.length;
      sent += chunk.length;
      if (!client.write(chunk)) upstream.pause();
      const due = stats.rate ? (sent / stats.rate) * 1000 - (Date.now() - began) : 0;
      if (due > 0) {
        upstream.pause();
        setTimeout(() => upstream.resume(), due);
      }
    });
    client.on('drain', () => upstream.resume());
    client.pipe(upstream);
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

const entries = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => !n.startsWith('.')) : []);

/** What a store holds on disk: unpacked layers, blobs, partial downloads, configs, leases (each by name). */
export function storeContents(store: ImageStore) {
  return {
    layers: entries(path.join(store.layers.root, 'layers')).sort(),
    blobs: entries(path.join(store.root, 'blobs', 'sha256')).sort(),
    partial: entries(path.join(store.root, 'partial')).sort(),
    configs: entries(path.join(store.root, 'configs')).sort(),
    leases: entries(store.leasesDir).sort(),
  };
}
