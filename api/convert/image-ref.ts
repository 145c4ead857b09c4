import { createHash } from 'node:crypto';
import { notFound } from '../http';

/**
 * Docker image references → container-saga's image names. Images here are imported under a bare name
 * (`busybox`), with no tags and no digests (there is no registry): `busybox` and `busybox:latest` both mean
 * `busybox`; any other tag, or a digest, names an image that cannot be here (404, Docker's message).
 */

/** `name[:tag][@digest]` split as Docker splits it: a tag is the part after the last ":" that follows the last "/". */
export function splitReference(ref: string): { name: string; tag?: string; digest?: string } {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const rest = at >= 0 ? ref.slice(0, at) : ref;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/'))
    return { name: rest.slice(0, colon), tag: rest.slice(colon + 1), ...(digest ? { digest } : {}) };
  return { name: rest, ...(digest ? { digest } : {}) };
}

/** The image name a reference means here; a 404 "No such image: <ref>" for another tag or a digest. */
export function localImageName(ref: string): string {
  const { name, tag, digest } = splitReference(ref);
  if (digest !== undefined || (tag !== undefined && tag !== 'latest') || name === '')
    throw notFound(`No such image: ${ref}`);
  return name;
}

/** How Docker names a reference in "No such image" after normalizing it: the tag defaults to latest. */
export function familiarReference(ref: string): string {
  const { tag, digest } = splitReference(ref);
  return tag === undefined && digest === undefined ? `${ref}:latest` : ref;
}

/** The image's ID: images have no digest here, so a stable one is derived from the name. */
export function imageId(name: string): string {
  return `sha256:${createHash('sha256').update(`container-saga image ${name}`).digest('hex')}`;
}

/** The image's RepoTags entry: its name with the one tag it has. */
export function repoTag(name: string): string {
  return splitReference(name).tag === undefined ? `${name}:latest` : name;
}
