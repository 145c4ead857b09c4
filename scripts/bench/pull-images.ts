import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { buildBusybox } from '../../images/busybox';
import { runChecked } from '../../runtime/drivers/linux/exec';
import { push, startRegistry } from '../local-registry';
import { tool } from '../../runtime/drivers/linux/tools';
import { freePort } from '../dev-server';
import { netnsPath } from './netns';
import type { Teardown } from './teardown';

const RELAY = path.join(__dirname, 'registry-relay.cjs');

/**
 * The pull section's images, built once per run with umoci (each `umoci insert` adds one gzip layer, as a
 * registry serves them) from the host's static busybox and random bytes (gzip cannot shrink them), pushed with
 * skopeo (Docker v2 schema 2) to a private docker-registry on loopback:
 *   big:1   busybox's rootfs + 4 layers of a 25 MiB random file each (≈ 106 MB)
 *   big:2   the same but for its top layer (another random file)
 *   many:1  busybox's rootfs + MANY_LAYERS layers of a 64 KiB random file each
 */
const BIG_LAYER = 25 << 20;
export const MANY_LAYERS = 12;
const SMALL_LAYER = 64 << 10;
const ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface PullImages {
  /** host:port of the registry */
  domain: string;
  big: string;
  bigSibling: string;
  many: string;
  /** the compressed bytes of big's layers, and of big:2's own top layer */
  bigBytes: number;
  siblingTopBytes: number;
}

const umoci = (args: string[]) => runChecked(`umoci ${args[0]}`, 'umoci', args);

async function randomFile(file: string, bytes: number): Promise<void> {
  const chunk = 1 << 20;
  const h = await fs.open(file, 'w');
  try {
    for (let left = bytes; left > 0; left -= chunk) await h.write(randomBytes(Math.min(chunk, left)));
  } finally {
    await h.close();
  }
}

/** Layer sizes of `layout:tag`, from its manifest (the layout's index names it by tag). */
async function layerSizes(layout: string, tag: string): Promise<number[]> {
  const blob = async (digest: string) =>
    JSON.parse(await fs.readFile(path.join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length)), 'utf8'));
  const index = JSON.parse(await fs.readFile(path.join(layout, 'index.json'), 'utf8')) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const m = index.manifests.find((d) => d.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!m) throw new Error(`no ${tag} in ${layout}`);
  return ((await blob(m.digest)) as { layers: { size: number }[] }).layers.map((l) => l.size);
}

/** scripts/bench/registry-relay.cjs on 127.0.0.1:port (in `netns` if given), until it prints "ready". */
async function startRelay(teardown: Teardown, port: number, socket: string, netns?: string): Promise<void> {
  const node = [process.execPath, RELAY, String(port), socket];
  const [cmd, ...args] = netns ? [tool('nsenter'), `--net=${netnsPath(netns)}`, '--', ...node] : node;
  const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = () => child.kill('SIGTERM');
  process.once('exit', stop);
  teardown.add(`stop the registry relay${netns ? ` in ${netns}` : ''}`, async () => {
    process.removeListener('exit', stop);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    stop();
    await gone;
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the registry relay exited (${code}) before it listened`)));
    child.once('error', reject);
  });
}

/**
 * Builds the images in `work`, starts the registry on a unix socket and a relay to it on 127.0.0.1:PORT here and,
 * when given, in `netns` (dockerd's: its loopback is its own), all stopped by the teardown; pushes the images.
 */
export async function preparePullImages(teardown: Teardown, work: string, netns?: string): Promise<PullImages> {
  const layout = path.join(work, 'layout');
  const files = path.join(work, 'files');
  const bundle = path.join(work, 'busybox');
  await fs.mkdir(files, { recursive: true });
  await umoci(['init', '--layout', layout]);
  await umoci(['new', '--image', `${layout}:base`]);
  await umoci(['config', '--image', `${layout}:base`, '--config.cmd', 'sh', '--config.env', ENV]);
  // unpack, build, repack (its root entry is "."): `umoci insert DIR /` writes the root as "/", which Docker applies
  // but a layer from a build never has
  await umoci(['unpack', '--image', `${layout}:base`, bundle]);
  await buildBusybox(path.join(bundle, 'rootfs'));
  await umoci(['repack', '--image', `${layout}:base`, bundle]);
  const insert = async (from: string, to: string, bytes: number, name: string) => {
    const file = path.join(files, name);
    await randomFile(file, bytes);
    await umoci(['insert', '--image', `${layout}:${from}`, '--tag', to, file, `/data/${name}`]);
    await fs.rm(file);
  };
  // big1..big3 are the layers big and sibling share; each insert tags its result
  for (let i = 1; i <= 3; i++) await insert(i === 1 ? 'base' : `big${i - 1}`, `big${i}`, BIG_LAYER, `big-${i}`);
  await insert('big3', 'big', BIG_LAYER, 'big-4');
  await insert('big3', 'sibling', BIG_LAYER, 'sibling-4');
  for (let i = 1; i <= MANY_LAYERS; i++)
    await insert(i === 1 ? 'base' : `many${i - 1}`, `many${i}`, SMALL_LAYER, `small-${i}`);

  const socket = path.join(work, 'registry.sock');
  const registry = await startRegistry(path.join(work, 'registry'), { socket });
  teardown.add('stop the pull section registry', () => registry.stop());
  const port = await freePort();
  await startRelay(teardown, port, socket);
  if (netns) await startRelay(teardown, port, socket, netns);
  const domain = `127.0.0.1:${port}`;
  const ref = (name: string) => `${domain}/bench/${name}`;
  const images = { big: ref('big:1'), bigSibling: ref('big:2'), many: ref('many:1') };
  for (const [from, to] of [
    ['big', images.big],
    ['sibling', images.bigSibling],
    [`many${MANY_LAYERS}`, images.many],
  ] as const)
    push(layout, from, to, 'v2s2');
  const big = await layerSizes(layout, 'big');
  const sibling = await layerSizes(layout, 'sibling');
  await fs.rm(layout, { recursive: true, force: true });
  await fs.rm(bundle, { recursive: true, force: true });
  return {
    domain,
    ...images,
    bigBytes: big.reduce((a, b) => a + b, 0),
    siblingTopBytes: sibling[sibling.length - 1]!,
  };
}
