/** The image store's collector: what no image and no lease references goes; the rest stays. Needs root (mknod). */
import { createReadStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, releaseLease, writeLease } from '../../images/gc';
import { importImage } from '../../images/import';
import { ImageStore } from '../../images/store';

describe('image store collector', () => {
  let dir: string;
  let store: ImageStore;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-gc-'));
    store = new ImageStore(path.join(dir, 'store'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  async function rootfs(name: string, content: string): Promise<string> {
    const d = path.join(dir, name);
    await fs.mkdir(d);
    await fs.writeFile(path.join(d, 'f'), content);
    return d;
  }

  it('keeps what images and leases reference, removes the rest once both are gone', async () => {
    const a = await importImage(store, 'a', await rootfs('a', 'one'));
    const b = await importImage(store, 'b', await rootfs('b', 'two'));
    const [la] = a.config.rootfs.diff_ids;
    const [lb] = b.config.rootfs.diff_ids;
    expect(await collect(store)).toEqual({ layers: [], blobs: [] });

    // a layer only a lease holds: kept while it is held
    const orphan = path.join(dir, 'orphan.tar');
    await fs.writeFile(orphan, Buffer.alloc(1024));
    const diffID = `sha256:${'5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef'}`;
    await store.layers.ensure(diffID, () => createReadStream(orphan));
    await writeLease(store, 'pull-1', { diffIDs: [diffID], digests: [] });
    expect((await collect(store)).layers).toEqual([]);
    await releaseLease(store, 'pull-1');
    expect((await collect(store)).layers).toEqual([diffID]);
    expect(store.layers.has(diffID)).toBe(false);

    await store.deleteImage(a.id);
    expect(await collect(store)).toEqual({ layers: [la], blobs: [la] });
    expect(store.layers.has(la!)).toBe(false);
    expect(store.layers.has(lb!)).toBe(true);
    await expect(fs.stat(store.configPath(a.id))).rejects.toThrow();
    expect((await store.list()).map((i) => i.name)).toEqual(['b']);
  });
});
