import type { ImageDeleteItem, ImagePruneInput, ImagePruneResult } from '../common/image-verbs-api';
import type { ImageInfo } from '../common/image-config';
import { collectDeleted, keysOf } from './remove';
import { familiar } from './refs';
import type { ImageMeta, ImageStore } from './store';

/** `key` or `key=value` among the image's labels (Docker's label filter). */
function hasLabel(labels: Record<string, string>, filter: string): boolean {
  const eq = filter.indexOf('=');
  if (eq < 0) return Object.hasOwn(labels, filter);
  return labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}

/** Whether prune takes the image (used ones are left out before). */
export function prunable(img: ImageInfo, input: Omit<ImagePruneInput, 'host'>): boolean {
  // Docker's dangling: no tag (an image known only by digest is dangling too)
  if (!input.all && img.repoTags.length > 0) return false;
  const labels = img.config.config?.Labels ?? {};
  if (!(input.labels ?? []).every((l) => hasLabel(labels, l))) return false;
  if ((input.labelsNot ?? []).some((l) => hasLabel(labels, l))) return false;
  if (input.until !== undefined && !(Date.parse(img.created) < Date.parse(input.until))) return false;
  return true;
}

/**
 * `docker image prune`: every image no container of the host uses (`used`: image IDs) that the filters take,
 * with its references; then the collector. SpaceReclaimed is the bytes of the layers it removed.
 */
export async function pruneImages(
  store: ImageStore,
  input: Omit<ImagePruneInput, 'host'>,
  used: ReadonlySet<string>,
  emit?: (action: 'untag' | 'delete', id: string) => Promise<void>,
): Promise<ImagePruneResult> {
  const records: ImageDeleteItem[] = [];
  const deleted: ImageMeta[] = [];
  for (const img of await store.list()) {
    if (used.has(img.id) || !prunable(img, input)) continue;
    const meta = await store.meta(img.id);
    if (!meta) continue;
    const keys = await keysOf(store, img.id);
    await store.deleteImage(img.id);
    for (const k of keys) {
      records.push({ Untagged: familiar(k) });
      await emit?.('untag', img.id);
    }
    records.push({ Deleted: img.id });
    await emit?.('delete', img.id);
    deleted.push(meta);
  }
  const layers = await collectDeleted(store, deleted);
  records.push(...layers.records);
  return { ImagesDeleted: records.length ? records : null, SpaceReclaimed: layers.bytes };
}
