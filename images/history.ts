import { ContainerError } from '../common/errors';
import type { ImageInfo } from '../common/image-config';

/** One line of `docker history` (the Engine API's HistoryResponseItem). */
export interface HistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

/**
 * Docker's image history (daemon/images/image_history.go): the config's history newest first; an entry that
 * made a layer has that layer's size (each non-empty entry takes the next layer, bottom up), an empty_layer
 * entry 0. Only the top entry names the image (and its tags): the others are `<missing>`, as Docker shows
 * for an image pulled rather than built here.
 */
export function imageHistory(img: ImageInfo): HistoryItem[] {
  const diffIDs = img.config.rootfs?.diff_ids ?? [];
  const out: HistoryItem[] = [];
  let layer = 0;
  for (const h of img.config.history ?? []) {
    let size = 0;
    if (!h.empty_layer) {
      if (layer >= diffIDs.length)
        throw new ContainerError('Internal', `image ${img.id}: too many non-empty layers in History section`);
      size = img.layerSizes?.[layer] ?? 0;
      layer++;
    }
    const created = h.created ? Math.floor(Date.parse(h.created) / 1000) : 0;
    out.unshift({
      Id: '<missing>',
      Created: Number.isNaN(created) ? 0 : created,
      CreatedBy: h.created_by ?? '',
      Tags: null,
      Size: size,
      Comment: h.comment ?? '',
    });
  }
  if (out[0]) {
    out[0].Id = img.id;
    out[0].Tags = img.repoTags.length ? [...img.repoTags] : null;
  }
  return out;
}
