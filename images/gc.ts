import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LayerStore } from '../layers/store';
import { readJson, writeJsonAtomic } from '../runtime/fsutil';
import type { ImageStore } from './store';

/**
 * What an unfinished pull or load holds against the collector: the layers (diffIDs) and blobs (digests) it is
 * fetching or unpacking, by a name of its own (the pull's workflow ID). Written before the first byte is
 * fetched, removed once the image is recorded or the pull compensated.
 */
export interface Lease {
  diffIDs: string[];
  digests: string[];
}

const leaseFile = (store: ImageStore, name: string) =>
  path.join(store.leasesDir, `${encodeURIComponent(name).slice(0, 200)}.json`);

export async function writeLease(store: ImageStore, name: string, lease: Lease): Promise<void> {
  await writeJsonAtomic(leaseFile(store, name), lease);
}

export async function releaseLease(store: ImageStore, name: string): Promise<void> {
  await fs.rm(leaseFile(store, name), { force: true });
}

async function leases(store: ImageStore): Promise<Lease[]> {
  const names = await fs.readdir(store.leasesDir).catch(() => [] as string[]);
  const all = await Promise.all(names.map((n) => readJson<Lease>(path.join(store.leasesDir, n))));
  return all.filter((l): l is Lease => l !== undefined);
}

export interface Collected {
  layers: string[];
  blobs: string[];
}

/**
 * Removes what no image and no lease references: unpacked layers (and their copies for user namespaces),
 * blobs, partial downloads and configs without an image. Under the store's lock, so no image is recorded
 * meanwhile; a pull's layers are safe by its lease from before it fetched anything. An image a container
 * uses is never deleted (rmi refuses or only untags it), so its layers stay referenced.
 */
export function collect(store: ImageStore): Promise<Collected> {
  return store.locked(async () => {
    const metas = await Promise.all((await store.ids()).map((id) => store.meta(id)));
    const held = await leases(store);
    const diffIDs = new Set(held.flatMap((l) => l.diffIDs));
    const digests = new Set(held.flatMap((l) => l.digests));
    const configs = new Set<string>();
    for (const m of metas) {
      if (!m) continue;
      configs.add(m.id);
      for (const l of m.layers) {
        diffIDs.add(l.diffID);
        if (l.digest) digests.add(l.digest);
      }
    }
    const out: Collected = { layers: [], blobs: [] };
    for (const d of store.layers.list()) {
      if (diffIDs.has(d)) continue;
      store.layers.remove(d);
      out.layers.push(d);
    }
    for (const copy of await remapStores(store)) for (const d of copy.list()) if (!diffIDs.has(d)) copy.remove(d);
    const hexes = (dir: string) => fs.readdir(dir).catch(() => [] as string[]);
    for (const hex of await hexes(path.join(store.root, 'blobs', 'sha256'))) {
      if (digests.has(`sha256:${hex}`)) continue;
      await fs.rm(path.join(store.root, 'blobs', 'sha256', hex), { force: true });
      out.blobs.push(`sha256:${hex}`);
    }
    for (const hex of await hexes(path.join(store.root, 'partial')))
      if (!digests.has(`sha256:${hex}`)) await fs.rm(path.join(store.root, 'partial', hex), { force: true });
    for (const hex of await hexes(path.join(store.root, 'configs')))
      if (!configs.has(`sha256:${hex}`) && !digests.has(`sha256:${hex}`))
        await fs.rm(path.join(store.root, 'configs', hex), { force: true });
    return out;
  });
}

/** The layer stores of copies shifted for user namespaces (runtime/drivers/linux/userns.ts). */
async function remapStores(store: ImageStore): Promise<LayerStore[]> {
  const names = await fs.readdir(store.root).catch(() => [] as string[]);
  return names.filter((n) => n.startsWith('overlay-userns-')).map((n) => new LayerStore(path.join(store.root, n)));
}
