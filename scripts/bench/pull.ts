import { collect } from '../../images/gc';
import type { ImageStore } from '../../images/store';
import { runChecked, toolOutput } from '../../runtime/drivers/linux/exec';
import type { DockerCli } from './docker-cli';
import { MANY_LAYERS, preparePullImages } from './pull-images';
import type { Part } from './report';
import { summarize, type Summary } from './stats';
import type { Teardown } from './teardown';
import { inTurn } from './in-turn';

/**
 * The pull section: the same docker CLI against dockerd's socket and ours, pulling from one private registry on
 * loopback (scripts/bench/pull-images.ts). Timed per engine, the engines taking turns within each round:
 *   - `docker pull` of the ≥ 100 MB image, PULL_N times, each after `docker rmi` + `docker image prune -f` (checked:
 *     the storage is back to its size before, so every layer is fetched again);
 *   - `docker pull` of its sibling (all but its top layer present), PULL_N times, each after rmi + prune of it;
 *   - disk: du of the engine's image storage before the pulls, after the big image, after its sibling;
 *   - `docker run --rm IMAGE true` from the many-layer image and from the flat busybox, RUN_N times after a warm-up.
 */
const PULL_N = Number(process.env.BENCH_PULL_N || 3);
const RUN_N = Number(process.env.BENCH_PULL_RUN_N || 10);
/** what a storage may keep beyond its size before the pulls once an image is removed (metadata, empty dirs) */
const LEFT_SLACK = 2 << 20;

export interface PullEngine {
  name: string;
  cli: DockerCli;
  /** the directory whose du is the engine's image storage, and what it holds */
  storage: string;
  counts: string;
  /** the flat image both engines imported */
  flat: string;
  /** what removes an image when `docker rmi` + `docker image prune -f` through this engine cannot */
  fallback?: { what: string; remove(ref: string): Promise<void> };
}

export interface PullEngineResult extends Part {
  name: string;
  storage: string;
  counts: string;
  pull?: Summary;
  siblingPull?: Summary;
  /** one pull of the many-layer image (not a target: it makes the image the run starts from) */
  manyPull?: number;
  /** du in bytes: before the pulls, and what each image added */
  disk?: { before: number; big?: number; sibling?: number };
  runFlat?: Summary;
  runMany?: Summary;
  /** how images were removed between pulls, when not by the engine's rmi + prune */
  removedBy?: string;
}

export interface PullResult {
  images: { big: string; sibling: string; many: string; bigBytes: number; siblingTopBytes: number; layers: number };
  n: number;
  runN: number;
  /** building and pushing the images; the whole section */
  prepareMs: number;
  ms: number;
  engines: PullEngineResult[];
}

export function checkPullSettings(): void {
  for (const [name, n] of [
    ['BENCH_PULL_N', PULL_N],
    ['BENCH_PULL_RUN_N', RUN_N],
  ] as const) {
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`${name} must be a whole number, 1 or more (got "${process.env[name]}")`);
  }
}

async function du(dir: string): Promise<number> {
  const r = await runChecked(`du ${dir}`, 'du', ['-s', '-B1', dir]);
  return Number(r.stdout.split(/\s/)[0]);
}

export async function measurePull(o: {
  teardown: Teardown;
  work: string;
  /** dockerd's network namespace, where a relay to the registry listens too */
  netns?: string;
  engines: PullEngine[];
}): Promise<PullResult> {
  const t0 = performance.now();
  const images = await preparePullImages(o.teardown, o.work, o.netns);
  const prepareMs = performance.now() - t0;
  const sides = o.engines.map((e) => ({
    e,
    r: { name: e.name, storage: e.storage, counts: e.counts, measured: true } as PullEngineResult,
    samples: { pull: [] as number[], sibling: [] as number[], flat: [] as number[], many: [] as number[] },
  }));
  const each = (f: (s: (typeof sides)[number]) => Promise<void>) => inTurn(sides, o.teardown, 'pull section', f);

  const forget = async (s: (typeof sides)[number], ref: string, size: number) => {
    const rmi = await s.e.cli.run(['rmi', ref]);
    const out = toolOutput(rmi);
    if (rmi.code !== 0 && !/no such image/i.test(out)) {
      if (!s.e.fallback) throw new Error(`docker rmi ${ref}: ${out}`);
      await s.e.fallback.remove(ref);
      s.r.removedBy ??= `${s.e.fallback.what} (docker rmi answered: ${out.trim().split('\n')[0]})`;
    } else {
      const prune = await s.e.cli.run(['image', 'prune', '-f']);
      if (prune.code !== 0) {
        if (!s.e.fallback) throw new Error(`docker image prune -f: ${toolOutput(prune)}`);
        await s.e.fallback.remove(ref);
        s.r.removedBy ??= `${s.e.fallback.what} (docker image prune answered: ${toolOutput(prune).trim().split('\n')[0]})`;
      }
    }
    const left = (await du(s.e.storage)) - size;
    if (left > LEFT_SLACK)
      throw new Error(`${ref} removed, but ${left} bytes more than before it stayed in ${s.e.storage}`);
  };

  await each(async (s) => void (s.r.disk = { before: await du(s.e.storage) }));
  for (let i = 0; i < PULL_N; i++)
    await each(async (s) => {
      await forget(s, images.big, s.r.disk!.before);
      s.samples.pull.push((await s.e.cli.timed(['pull', images.big])).ms);
    });
  await each(async (s) => void (s.r.disk!.big = (await du(s.e.storage)) - s.r.disk!.before));
  const withBig = (s: (typeof sides)[number]) => s.r.disk!.before + s.r.disk!.big!;
  for (let i = 0; i < PULL_N; i++)
    await each(async (s) => {
      await forget(s, images.bigSibling, withBig(s));
      s.samples.sibling.push((await s.e.cli.timed(['pull', images.bigSibling])).ms);
    });
  await each(async (s) => void (s.r.disk!.sibling = (await du(s.e.storage)) - withBig(s)));
  await each(async (s) => void (s.r.manyPull = (await s.e.cli.timed(['pull', images.many])).ms));
  for (let i = -1; i < RUN_N; i++)
    await each(async (s) => {
      const flat = (await s.e.cli.timed(['run', '--rm', s.e.flat, 'true'])).ms;
      const many = (await s.e.cli.timed(['run', '--rm', images.many, 'true'])).ms;
      if (i < 0) return;
      s.samples.flat.push(flat);
      s.samples.many.push(many);
    });

  for (const { r, samples } of sides) {
    const put = (k: 'pull' | 'siblingPull' | 'runFlat' | 'runMany', xs: number[]) => {
      const v = summarize(xs);
      if (v) r[k] = v;
    };
    put('pull', samples.pull);
    put('siblingPull', samples.sibling);
    put('runFlat', samples.flat);
    put('runMany', samples.many);
  }
  return {
    images: {
      big: images.big,
      sibling: images.bigSibling,
      many: images.many,
      bigBytes: images.bigBytes,
      siblingTopBytes: images.siblingTopBytes,
      layers: MANY_LAYERS + 1,
    },
    n: PULL_N,
    runN: RUN_N,
    prepareMs,
    ms: performance.now() - t0,
    engines: sides.map((s) => s.r),
  };
}

/** The section's engines: dockerd's CLI and data root; ours through the API and the worker's image store. */
export function pullEngines(o: {
  flat: string;
  dockerCli?: DockerCli;
  dockerDataRoot?: string;
  apiCli?: DockerCli;
  /** the store of the runtime the bench's worker serves */
  images: ImageStore;
}): PullEngine[] {
  const engines: PullEngine[] = [];
  if (o.dockerCli && o.dockerDataRoot)
    engines.push({
      name: 'dockerd',
      cli: o.dockerCli,
      storage: o.dockerDataRoot,
      counts: 'its data root: overlay2 layers unpacked, image and layer metadata; no compressed blobs',
      flat: o.flat,
    });
  if (o.apiCli) {
    const store = o.images;
    engines.push({
      name: 'container-saga API',
      cli: o.apiCli,
      storage: store.root,
      counts: 'the image store: layers unpacked (overlay/) and the compressed blobs kept for save (blobs/), configs',
      flat: o.flat,
      fallback: {
        what: "the worker's image store directly (deleteImage + collect)",
        async remove(ref) {
          const id = await store.find(ref);
          if (id) await store.deleteImage(id);
          await collect(store);
        },
      },
    });
  }
  return engines;
}
