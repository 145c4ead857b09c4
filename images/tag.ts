import { ContainerError } from '../common/errors';
import { canonicalKey, familiar, noSuchImageRef, parseRef } from './refs';
import type { ImageStore } from './store';

/**
 * `docker tag SOURCE TARGET`: the target is checked first (Docker's 400s: a bad reference, a digest), then the
 * source looked up (404); the tag moves from any image it was on.
 */
export async function tagImage(
  store: ImageStore,
  source: string,
  target: string,
): Promise<{ id: string; target: string }> {
  const ref = parseRef(target);
  if (ref.digest) throw new ContainerError('InvalidParameter', 'refusing to create a tag with a digest reference');
  const id = await store.find(source);
  if (!id) throw new ContainerError('NoSuchImage', noSuchImageRef(source));
  const key = canonicalKey(ref);
  await store.tag(id, key);
  return { id, target: familiar(key) };
}
