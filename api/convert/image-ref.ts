import { badRequest } from '../http';
import { parseReference } from '../../registry/reference';
import { RegistryError } from '../../registry/errors';
import { tryCanonical } from '../../images/refs';
import type { ImageInfo } from '../../common/types';

/** A reference the Engine API was given: Docker's 400 "invalid reference format…" before anything is asked. */
export function checkReference(ref: string): string {
  // an image ID, whole or a prefix, names an image too (Docker's ParseAnyReference)
  if (/^(?:sha256:)?[0-9a-f]{1,64}$/.test(ref)) return ref;
  try {
    parseReference(ref);
  } catch (err) {
    if (err instanceof RegistryError) throw badRequest(err.message);
    throw err;
  }
  return ref;
}

/** How Docker names a reference in "No such image" after normalizing it: the tag defaults to latest. */
export function familiarReference(ref: string): string {
  const at = ref.indexOf('@');
  const name = at >= 0 ? ref.slice(0, at) : ref;
  return at < 0 && name.lastIndexOf(':') <= name.lastIndexOf('/') ? `${ref}:latest` : ref;
}

/** Whether an image answers to a reference: one of its tags or digests, normalized (`busybox` = `busybox:latest`). */
export function hasReference(img: ImageInfo, ref: string): boolean {
  const want = tryCanonical(ref);
  return want !== undefined && [...img.repoTags, ...img.repoDigests].some((r) => tryCanonical(r) === want);
}
