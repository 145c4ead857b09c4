import { ContainerError } from '../common/errors';
import { familiarString, parseReference, referenceString, type ImageReference } from '../registry/reference';
import { RegistryError } from '../registry/errors';

/**
 * References as the image store keys them: canonical strings (`docker.io/library/busybox:latest`,
 * `docker.io/library/busybox@sha256:…`), shown familiar (`busybox:latest`). A bad reference is Docker's 400.
 */

/** parseReference with its error as the ContainerError the verbs throw (400 "invalid reference format"). */
export function parseRef(text: string): ImageReference {
  try {
    return parseReference(text);
  } catch (err) {
    if (err instanceof RegistryError) throw new ContainerError('InvalidParameter', err.message);
    throw err;
  }
}

/** The store's key for a tag reference (`repo:tag`); a digest reference keys as `repo@digest`. */
export function canonicalKey(ref: ImageReference): string {
  if (ref.digest) return `${ref.domain}/${ref.path}@${ref.digest}`;
  return referenceString(ref);
}

/** The canonical key of a reference text, or undefined when it is not a valid reference. */
export function tryCanonical(text: string): string | undefined {
  try {
    return canonicalKey(parseReference(text));
  } catch {
    return undefined;
  }
}

/** A stored key shown as Docker shows it (`busybox:latest`, `localhost:5000/x@sha256:…`). */
export function familiar(key: string): string {
  return familiarString(parseReference(key));
}

/** The repository part of a key (`docker.io/library/busybox`). */
export function repositoryOf(key: string): string {
  const ref = parseReference(key);
  return `${ref.domain}/${ref.path}`;
}

/**
 * The simulated driver mounts nothing, so it takes any `name[:latest]` as an image it has (images were names
 * there before layers); another tag, a digest or an ID must be in its store, pulled or imported.
 */
export function simulatedTakes(text: string): boolean {
  try {
    const ref = parseReference(text);
    return ref.digest === undefined && ref.tag === 'latest';
  } catch {
    return false;
  }
}

export const isDigestKey = (key: string) => key.includes('@');

export const ID_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** Docker's "No such image: busybox:latest": the reference as given, its tag defaulted when it parses. */
export function noSuchImageRef(text: string): string {
  try {
    return `No such image: ${familiarString(parseReference(text))}`;
  } catch {
    return `No such image: ${text}`;
  }
}
