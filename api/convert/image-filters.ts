import type { ImageInfo } from '../../common/types';
import { badRequest, filtersParam } from '../http';
import { findImage } from './image-json';
import { repoTag } from './image-ref';

/**
 * GET /images/json's `filters`, as Docker's image service reads them:
 *   reference  a glob over the name and name:tag (`busy*`, `busybox:latest`);
 *   dangling   true lists none (every image here has its name), false all;
 *   label      images here have no labels: any label filter lists none;
 *   before, since  images created before / after the one named.
 */
export const IMAGE_FILTERS = ['reference', 'dangling', 'label', 'before', 'since'] as const;

/** Go's path.Match over a reference: `*` and `?` within one path component, the rest literal. */
function globMatch(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${re}$`).test(value);
}

export function imageFilter(q: URLSearchParams, images: readonly ImageInfo[]): (img: ImageInfo) => boolean {
  const filters = filtersParam(q, IMAGE_FILTERS);
  const dangling = filters.get('dangling') ?? [];
  for (const d of dangling)
    if (!['true', 'false', '1', '0'].includes(d)) throw badRequest(`Invalid filter 'dangling=${d}'`);
  const onlyDangling = dangling.some((d) => d === 'true' || d === '1');
  const refs = filters.get('reference');
  const labels = filters.get('label') ?? [];
  const created = (ref: string) => Date.parse(findImage(images, ref).created);
  const before = (filters.get('before') ?? []).map(created);
  const since = (filters.get('since') ?? []).map(created);
  return (img) => {
    if (onlyDangling || labels.length > 0) return false;
    if (refs && !refs.some((p) => globMatch(p, img.name) || globMatch(p, repoTag(img.name)))) return false;
    const t = Date.parse(img.created);
    if (before.some((b) => t >= b) || since.some((s) => t <= s)) return false;
    return true;
  };
}
