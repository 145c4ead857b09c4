/**
 * A client for one registry over the distribution API (`/v2/`): ping and authentication, manifests (an index
 * resolved to one platform, every manifest verified by digest) and blobs to files (blob.ts). Node's fetch.
 */
import { basicHeader, fetchBearerToken, parseChallenges, registryErrorText, type Challenge } from './auth';
import { downloadBlob, type BlobDownloadOptions, type BlobDownloadResult } from './blob';
import type { Credentials } from './credentials';
import { allowsPlainHttp } from './endpoint';
import { RegistryError } from './errors';
import {
  DEFAULT_PLATFORM,
  MANIFEST_ACCEPT,
  imageManifestOf,
  isIndex,
  mediaTypeOf,
  selectPlatform,
  verifyManifestDigest,
  type Descriptor,
  type ImageManifest,
  type Platform,
} from './manifest';
import { familiarString, manifestReference, parseReference, type ImageReference } from './reference';

export interface RegistryClientOptions {
  credentials?: Credentials;
  /** host[:port] or IPv4 CIDR entries allowed over plain HTTP besides loopback (`--insecure-registry`). */
  insecureRegistries?: readonly string[];
  /** Base URL to use instead of `https://<domain>` (a mirror, or the real host behind a name). */
  endpoint?: string;
}

export interface PulledManifest extends ImageManifest {
  /** The image manifest's digest (the one chosen from the index, when there was one). */
  digest: string;
  /** The index's digest when the reference named an index. */
  indexDigest?: string;
  raw: Buffer;
}

/** Manifests are small; a larger body is refused rather than buffered (containerd's limit too). */
const MANIFEST_MAX = 4 << 20;

function transportError(method: string, url: string, err: unknown): RegistryError {
  const cause = (err as Error).cause as NodeJS.ErrnoException | undefined;
  const why = cause?.code ? `${cause.code} ${cause.message}` : ((cause?.message ?? (err as Error).message) as string);
  return new RegistryError('Transport', `${method} "${url}": ${why}`, { cause: err });
}

export class RegistryClient {
  private base: URL | undefined;
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, string>();

  constructor(
    readonly domain: string,
    private readonly opts: RegistryClientOptions = {},
  ) {}

  /** Parses `text` first, so a bad reference is Docker's 400 before any connection. */
  static forReference(text: string, opts: RegistryClientOptions = {}) {
    const ref = parseReference(text);
    return { ref, client: new RegistryClient(ref.domain, opts) };
  }

  private async send(url: URL, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (err) {
      throw transportError(init.method ?? 'GET', url.href, err);
    }
  }

  /**
   * `GET /v2/`: picks the scheme (https; plain http only where allowed, after https fails to connect, as
   * Docker does) and remembers the auth challenge.
   */
  async ping(signal?: AbortSignal): Promise<void> {
    const plain = allowsPlainHttp(this.domain, this.opts.insecureRegistries);
    const given = this.opts.endpoint ? new URL(this.opts.endpoint) : undefined;
    if (given?.protocol === 'http:' && !plain) {
      throw new RegistryError(
        'Insecure',
        `${this.domain}: plain HTTP is allowed only for loopback and insecure registries (--insecure-registry)`,
      );
    }
    const candidates = given ? [given] : [new URL(`https://${this.domain}/`)];
    if (!given && plain) candidates.push(new URL(`http://${this.domain}/`));
    let last: unknown;
    for (const base of candidates) {
      let res: Response;
      try {
        res = await this.send(new URL('/v2/', base), { signal });
      } catch (err) {
        last = err;
        continue;
      }
      await res.body?.cancel();
      this.base = base;
      if (res.status === 401) {
        this.challenge = parseChallenges(res.headers.get('www-authenticate')).find(
          (c) => c.scheme === 'bearer' || c.scheme === 'basic',
        );
      } else if (!res.ok) {
        throw new RegistryError('Transport', `GET "${new URL('/v2/', base).href}": ${res.status} ${res.statusText}`);
      }
      return;
    }
    throw last;
  }

  private async authorization(scope: string, signal?: AbortSignal): Promise<string | undefined> {
    const c = this.challenge;
    const creds = this.opts.credentials;
    if (!c) return undefined;
    if (creds?.registryToken) return `Bearer ${creds.registryToken}`;
    if (c.scheme === 'basic') return creds?.username ? basicHeader(creds) : undefined;
    let token = this.tokens.get(scope);
    if (!token) {
      token = await fetchBearerToken(c, scope, creds, signal);
      this.tokens.set(scope, token);
    }
    return `Bearer ${token}`;
  }

  /** A request to `path` with the repository's pull token; one fresh token on a 401 (it may have expired). */
  async request(repo: string, path: string, headers: Record<string, string>, signal?: AbortSignal) {
    if (!this.base) await this.ping(signal);
    const url = new URL(path, this.base);
    const scope = `repository:${repo}:pull`;
    for (let attempt = 0; ; attempt++) {
      const auth = await this.authorization(scope, signal);
      const res = await this.send(url, { headers: auth ? { ...headers, authorization: auth } : headers, signal });
      if (res.status !== 401 || attempt > 0 || this.challenge?.scheme !== 'bearer') return res;
      await res.body?.cancel();
      this.tokens.delete(scope);
    }
  }

  private async fetchManifest(ref: ImageReference, reference: string, signal?: AbortSignal) {
    const res = await this.request(
      ref.path,
      `/v2/${ref.path}/manifests/${reference}`,
      { accept: MANIFEST_ACCEPT },
      signal,
    );
    if (!res.ok) {
      const text = await registryErrorText(res);
      if (res.status === 404) {
        throw new RegistryError('NotFound', `manifest for ${familiarString(ref)} not found: ${text}`);
      }
      if (res.status === 401 || res.status === 403) throw new RegistryError('Unauthorized', text);
      throw new RegistryError('Transport', `GET manifest ${familiarString(ref)}: ${text}`);
    }
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > MANIFEST_MAX) throw new RegistryError('BadManifest', `manifest larger than ${MANIFEST_MAX} bytes`);
    let raw: Buffer;
    try {
      raw = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      throw transportError('GET', res.url, err);
    }
    if (raw.length > MANIFEST_MAX) throw new RegistryError('BadManifest', `manifest larger than ${MANIFEST_MAX} bytes`);
    const requested = reference.startsWith('sha256:') ? reference : undefined;
    const digest = verifyManifestDigest(raw, requested, res.headers.get('docker-content-digest'));
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new RegistryError('BadManifest', `manifest ${digest} is not JSON`);
    }
    if (body === null || typeof body !== 'object') throw new RegistryError('BadManifest', `manifest ${digest}`);
    return { raw, digest, body, mediaType: mediaTypeOf(body, res.headers.get('content-type')) };
  }

  /**
   * The image manifest for `ref`: by digest when the reference has one, else by tag; an index is resolved to
   * `platform` (linux/amd64 by default) and that manifest fetched by its digest.
   */
  async getManifest(ref: ImageReference, platform: Platform = DEFAULT_PLATFORM, signal?: AbortSignal) {
    const first = await this.fetchManifest(ref, manifestReference(ref), signal);
    if (!isIndex(first.mediaType)) {
      return { ...imageManifestOf(first.body, first.mediaType), digest: first.digest, raw: first.raw };
    }
    const entry = selectPlatform(first.body, platform);
    const chosen = await this.fetchManifest(ref, entry.digest, signal);
    if (isIndex(chosen.mediaType)) throw new RegistryError('BadManifest', `nested index ${entry.digest}`);
    const manifest = imageManifestOf(chosen.body, chosen.mediaType);
    const pulled: PulledManifest = { ...manifest, digest: chosen.digest, indexDigest: first.digest, raw: chosen.raw };
    return pulled;
  }

  /** A config or layer blob to `file`, verified and resumable (blob.ts). */
  async downloadBlob(
    repo: string,
    desc: Descriptor,
    file: string,
    opts: BlobDownloadOptions = {},
  ): Promise<BlobDownloadResult> {
    const request = async (offset: number) => {
      const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
      const res = await this.request(repo, `/v2/${repo}/blobs/${desc.digest}`, headers, opts.signal);
      if (res.ok) return res;
      if (offset > 0 && res.status === 416) return res;
      const text = await registryErrorText(res);
      if (res.status === 404) throw new RegistryError('NotFound', `blob ${desc.digest} not found: ${text}`);
      if (res.status === 401 || res.status === 403) throw new RegistryError('Unauthorized', text);
      throw new RegistryError('Transport', `GET blob ${desc.digest}: ${text}`);
    };
    return downloadBlob(request, desc, file, opts);
  }
}
