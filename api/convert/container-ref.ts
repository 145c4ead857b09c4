import { notFound } from '../http';

/**
 * A container reference from a path (`/containers/{id}/…`): a name (with or without its leading slash), a
 * full ID or an ID prefix, in the characters of Docker's names. Nothing else can name a container, so anything
 * else — `../..`, a slash inside, spaces, control characters — is Docker's 404 before any workflow sees it
 * (no component of a path can be made of it: it never starts with a dot and holds no slash after the first).
 */
const REF = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function containerRef(ref: string): string {
  if (!REF.test(ref)) throw notFound(`No such container: ${ref}`);
  return ref;
}
