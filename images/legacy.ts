import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readJson } from '../runtime/fsutil';
import { readMountInfo } from '../runtime/drivers/linux/mountinfo';
import { importImage } from './import';
import type { ImageStore } from './store';

/**
 * Images from before layered storage (`<root>/images/<name>/rootfs` + image.json): each becomes a one-layer
 * image under its name, as `image import` makes one now, keeping its source. The old directory goes unless a
 * mounted rootfs still has it as a lower (a container running since before the upgrade): then it stays until
 * the next start-up after that container's rootfs is unmounted.
 */
export async function migrateLegacyImages(stateRoot: string, store: ImageStore): Promise<string[]> {
  const legacy = path.join(stateRoot, 'images');
  const dirs = (await fs.readdir(legacy).catch(() => [] as string[])).filter((d) => !d.startsWith('.'));
  if (dirs.length === 0) return [];
  const lowers = (await readMountInfo())
    .filter((m) => m.fsType === 'overlay')
    .flatMap((m) => m.superOptions.split(',').filter((o) => o.startsWith('lowerdir=')));
  const moved: string[] = [];
  for (const d of dirs) {
    const dir = path.join(legacy, d);
    const info = await readJson<{ name: string; source?: string }>(path.join(dir, 'image.json'));
    if (!info) continue;
    if (!(await store.find(info.name))) {
      await importImage(store, info.name, path.join(dir, 'rootfs'), info.source);
      moved.push(info.name);
    }
    if (!lowers.some((o) => o.includes(`${dir}/`))) await fs.rm(dir, { recursive: true, force: true });
  }
  return moved;
}
