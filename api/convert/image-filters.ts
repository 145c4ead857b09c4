import type { ImageInfo } from '../../common/types';
import { badRequest, filtersParam } from '../http';
import { findImage } from './image-json';

/**
 * GET /images/json's `filters`, as Docker's image service reads them:
 *   reference  a glob over each tag's name and name:tag (`busy*`, `busybox:latest`);
 *   dangling   true: only images without a tag; false: only tagged ones;
 *   label      `key` or `key=value` of the image's config labels;
 *   before, since  images created before / after the one named.
 */
export const IMAGE_FILTERS = ['reference', 'dangling', 'label', 'before', 'since'] as const;

/**
 * Go's path.Match over a reference: `*` and `?` within one path component, the rest literal. Component by
 * component with one backtrack point, so time stays linear in the pattern (a regex of many `*` backtracks
 * exponentially: `reference=***…!` hung the server).
 */
function globMatch(pattern: string, value: string): boolean {
  const pp = pattern.split('/');
  const vp = value.split('/');
  return pp.length === vp.length && pp.every((p, i) => componentMatch(p, vp[i]!));
}

function componentMatch(p: string, v: string): boolean {
  let i = 0;
  let j = 0;
  let star = -1;
  let resume = 0;
  while (j < v.length) {
    if (i < p.length && (p[i] === '?' || p[i] === v[j])) {
      i++;
      j++;
    } else if (i < p.length && p[i] === '*') {
      star = i++;
      resume = j;
    } else if (star >= 0) {
      i = star + 1;
      j = ++resume;
    } else {
      return false;
    }
  }
  while (p[i] === '*') i++;
  return i === p.length;
}

/** `key` (present) or `key=value` (equal), as Docker's label filter. */
function hasLabel(labels: Record<string, string>, filter: string): boolean {
  const eq = filter.indexOf('=');
  if (eq < 0) return Object.hasOwn(labels, filter);
  return labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}

export function imageFilter(q: URLSearchParams, images: readonly ImageInfo[]): (img: ImageInfo) => boolean {
  const filters = filtersParam(q, IMAGE_FILTERS);
  const dangling = filters.get('dangling') ?? [];
  for (const d of dangling)
    if (!['true', 'false', '1', '0'].includes(d)) throw badRequest(`Invalid filter 'dangling=${d}'`);
  const wantDangling = dangling.length ? dangling.some((d) => d === 'true' || d === '1') : undefined;
  const refs = filters.get('reference');
  const labels = filters.get('label') ?? [];
  const created = (ref: string) => Date.parse(findImage(images, ref).created);
  const before = (filters.get('before') ?? []).map(created);
  const since = (filters.get('since') ?? []).map(created);
  return (img) => {
    if (wantDangling !== undefined && wantDangling !== (img.repoTags.length === 0)) return false;
    const own = img.config.config?.Labels ?? {};
    if (!labels.every((l) => hasLabel(own, l))) return false;
    const names = img.repoTags.flatMap((t) => [t, t.slice(0, t.lastIndexOf(':'))]);
    if (refs && !refs.some((p) => names.some((n) => globMatch(p, n)))) return false;
    const t = Date.parse(img.created);
    if (before.some((b) => t >= b) || since.some((s) => t <= s)) return false;
    return true;
  };
}

/** The name of a reference without its tag or digest (`busybox:1` → `busybox`). */
const nameOf = (ref: string) => ref.replace(/(@.*|:[^/:]*)$/, '');

/**
 * Under a reference filter Docker lists only the references that match it (reference.FamiliarMatch: the whole
 * reference or its name), so `docker images mybox` shows mybox's rows only, not the image's other tags.
 */
export function narrowReferences(q: URLSearchParams): (img: ImageInfo) => ImageInfo {
  const refs = filtersParam(q, IMAGE_FILTERS).get('reference');
  if (!refs) return (img) => img;
  const keep = (r: string) => refs.some((p) => globMatch(p, r) || globMatch(p, nameOf(r)));
  return (img) => ({ ...img, repoTags: img.repoTags.filter(keep), repoDigests: img.repoDigests.filter(keep) });
}
