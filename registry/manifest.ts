/**
 * Image manifests as the distribution API serves them: the four media types a pull accepts, the platform
 * choice from an index or a manifest list, and digest checks. Pure.
 */
import { createHash } from 'node:crypto';
import { Msg, RegistryError } from './errors';

export const MediaType = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

/** The Accept list of a manifest request, indexes first so a multi-platform image is chosen from, not guessed. */
export const MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.dockerList,
  MediaType.ociManifest,
  MediaType.dockerManifest,
].join(', ');

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  urls?: string[];
}

export interface ImageManifest {
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

const SHA256 = /^sha256:[a-f0-9]{64}$/;

export const sha256Digest = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** `linux/arm64/v8` → a Platform; the form of `docker pull --platform`. */
export function parsePlatform(text: string): Platform {
  const [os, architecture, variant, extra] = text.toLowerCase().split('/');
  if (!os || !architecture || extra !== undefined || variant === '') {
    throw new RegistryError(
      'InvalidParameter',
      `"${text}": unknown operating system or architecture: invalid argument`,
    );
  }
  return variant ? { os, architecture, variant } : { os, architecture };
}

export const platformString = (p: Platform) => [p.os, p.architecture, p.variant].filter(Boolean).join('/');

export const isIndex = (mediaType: string) => mediaType === MediaType.ociIndex || mediaType === MediaType.dockerList;

function checkDescriptor(d: unknown, what: string): Descriptor {
  const o = d as Descriptor;
  if (!o || typeof o !== 'object' || typeof o.digest !== 'string' || !SHA256.test(o.digest)) {
    throw new RegistryError('BadManifest', `${what}: missing or unsupported digest`);
  }
  if (!Number.isSafeInteger(o.size) || o.size < 0) throw new RegistryError('BadManifest', `${what}: invalid size`);
  return o;
}

/** The media type from the body, else the response's Content-Type (a Docker list always has it in the body). */
export function mediaTypeOf(body: Record<string, unknown>, contentType: string | null): string {
  if (typeof body.mediaType === 'string') return body.mediaType;
  if (Array.isArray(body.manifests)) return MediaType.ociIndex;
  return (contentType ?? '').split(';')[0].trim() || MediaType.ociManifest;
}

/**
 * The entry of an index for `want`: os and architecture must match; a wanted variant must match, and without
 * one the first entry of the architecture wins (Docker prefers the best variant; the wiring may refine this).
 */
export function selectPlatform(index: Record<string, unknown>, want: Platform): Descriptor {
  const manifests = Array.isArray(index.manifests) ? index.manifests : [];
  const entries = manifests.map((m, i) => checkDescriptor(m, `manifest list entry ${i}`));
  const match = entries.find((d) => {
    const p = d.platform;
    if (!p || p.os !== want.os || p.architecture !== want.architecture) return false;
    return want.variant === undefined || p.variant === want.variant;
  });
  if (!match) throw new RegistryError('NoMatchingPlatform', Msg.noPlatform(platformString(want)));
  return match;
}

/** An image manifest's config and layers, checked to be descriptors this client can verify. */
export function imageManifestOf(body: Record<string, unknown>, mediaType: string): ImageManifest {
  if (mediaType !== MediaType.ociManifest && mediaType !== MediaType.dockerManifest) {
    throw new RegistryError('BadManifest', `unsupported manifest media type ${mediaType}`);
  }
  const layers = Array.isArray(body.layers) ? body.layers : [];
  return {
    mediaType,
    config: checkDescriptor(body.config, 'manifest config'),
    layers: layers.map((l, i) => checkDescriptor(l, `manifest layer ${i}`)),
  };
}

/**
 * The content's digest must be the one asked for (a pull by digest) and the registry's Docker-Content-Digest
 * when it sends one; a mismatch is Docker's "manifest verification failed".
 */
export function verifyManifestDigest(content: Buffer, requested: string | undefined, header: string | null): string {
  const actual = sha256Digest(content);
  const expected = requested ?? (header && header.startsWith('sha256:') ? header : undefined);
  if (expected !== undefined && expected !== actual) {
    throw new RegistryError('DigestMismatch', Msg.manifestVerification(expected));
  }
  if (requested && header && header.startsWith('sha256:') && header !== actual) {
    throw new RegistryError('DigestMismatch', Msg.manifestVerification(header));
  }
  return actual;
}
