/** Flat images of earlier releases move into the layered store at worker start. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateLegacyImages } from '../../images/legacy';
import { ImageStore } from '../../images/store';

describe('legacy flat images', () => {
  let root: string;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-legacy-'));
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  async function legacyImage(name: string, source: string, file: string): Promise<string> {
    const dir = path.join(root, 'images', encodeURIComponent(name));
    await fs.mkdir(path.join(dir, 'rootfs', 'etc'), { recursive: true });
    await fs.writeFile(path.join(dir, 'rootfs', 'etc', 'file'), file);
    await fs.writeFile(path.join(dir, 'image.json'), JSON.stringify({ name, created: 'x', sizeBytes: 1, source }));
    return dir;
  }

  it('become one-layer images under their names, keeping their source; the old directories go', async () => {
    const a = await legacyImage('busybox', 'busybox-static', 'one');
    const b = await legacyImage('tools:1.0', '/srv/tools.tar', 'two');
    const store = new ImageStore(path.join(root, 'image-store'));
    expect((await migrateLegacyImages(root, store)).sort()).toEqual(['busybox', 'tools:1.0']);
    const busybox = await store.info(await store.resolve('busybox'));
    expect(busybox).toMatchObject({ name: 'busybox', repoTags: ['busybox:latest'] });
    expect(busybox.config.config?.Cmd).toEqual(['sh']);
    const tools = await store.resolve('tools:1.0');
    expect((await store.meta(tools))?.source).toBe('/srv/tools.tar');
    const [layer] = await store.layerDirs(tools);
    expect(await fs.readFile(path.join(layer!.dir, 'etc', 'file'), 'utf8')).toBe('two');
    for (const dir of [a, b]) await expect(fs.stat(dir)).rejects.toThrow();
    // a second start finds nothing to move
    expect(await migrateLegacyImages(root, store)).toEqual([]);
  });
});
