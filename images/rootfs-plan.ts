import type { RootfsPlan } from '../runtime/driver';
import type { ImageStore } from './store';

/**
 * The layers the rootfs overlay stacks for an image (an ID or a reference). `lenient` (the simulated driver,
 * which mounts nothing): an image the store does not have is a plan without layers, as images were names there.
 */
export async function rootfsPlan(store: ImageStore, image: string, lenient = false): Promise<RootfsPlan> {
  // the image ID a record holds (every create since layers): its meta read once, on the start's path
  const meta = store.isId(image) ? await store.meta(image) : undefined;
  const id = meta?.id ?? (lenient ? await store.find(image) : await store.resolve(image));
  if (!id) return { image, layers: [], lower: { cwd: store.root, lowerdir: '' }, storeRoot: store.root };
  const layers = meta ? store.layersOf(meta) : await store.layerDirs(id);
  const lower = store.layers.lowerdir(layers.map((l) => l.diffID));
  return { image: id, layers, lower, storeRoot: store.root };
}
