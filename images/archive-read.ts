import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError } from '../common/errors';
import { inside } from '../runtime/bind-policy';
import { hostPlatform } from './platform';
import { canonicalKey, parseRef } from './refs';

/** One image of an archive: its config file, the tags to give it (canonical keys) and its layer files. */
export interface ArchiveImage {
  config: string;
  /** the digest the archive names the config by (an OCI layout), verified on load */
  configDigest?: string;
  tags: string[];
  layers: { file: string; digest?: string; mediaType?: string }[];
}

const INDEX_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

export const invalidArchive = (why: string) => new ContainerError('InvalidParameter', `invalid archive: ${why}`);

/**
 * The images of an unpacked archive at `root`: a docker-archive (manifest.json, which Docker 25's archives
 * also carry beside their index.json) or else an OCI image layout (index.json → manifests → config and
 * layers). Every file is a regular file inside root (a symlink may point only within it: legacy archives
 * link repeated layers).
 */
export async function readArchive(root: string): Promise<ArchiveImage[]> {
  const real = await fs.realpath(root);
  if (await fileIn(real, 'manifest.json', true)) return dockerArchive(real);
  if (await fileIn(real, 'index.json', true)) return ociLayout(real);
  throw invalidArchive('neither manifest.json (docker-archive) nor index.json (OCI image layout) found');
}

/** The real path of `rel` under root, a regular file; undefined when absent and `optional`. */
export async function fileIn(root: string, rel: string, optional = false): Promise<string | undefined> {
  if (typeof rel !== 'string' || rel === '') throw invalidArchive(`bad path ${JSON.stringify(rel)}`);
  const at = await fs.realpath(path.resolve(root, rel)).catch(() => undefined);
  if (at === undefined) {
    if (optional) return undefined;
    throw invalidArchive(`${rel} not found`);
  }
  if (!inside(at, root)) throw invalidArchive(`${rel} leads outside the archive`);
  if (!(await fs.stat(at)).isFile()) throw invalidArchive(`${rel} is not a regular file`);
  return at;
}

async function json<T>(file: string, what: string): Promise<T> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (err) {
    throw invalidArchive(`${what}: ${(err as Error).message}`);
  }
}

/** A tag from an archive, as the store keys it; Docker's "invalid tag" for a digest or a bare name. */
function tagKey(text: string): string {
  const ref = parseRef(text);
  if (ref.digest) throw invalidArchive(`invalid tag ${JSON.stringify(text)}: a digest reference`);
  return canonicalKey(ref);
}

async function dockerArchive(root: string): Promise<ArchiveImage[]> {
  const entries = await json<unknown>((await fileIn(root, 'manifest.json'))!, 'manifest.json');
  if (!Array.isArray(entries)) throw invalidArchive('manifest.json is not a list');
  const out: ArchiveImage[] = [];
  for (const e of entries as { Config?: string; RepoTags?: string[] | null; Layers?: string[] }[]) {
    if (typeof e !== 'object' || e === null || !Array.isArray(e.Layers) || typeof e.Config !== 'string')
      throw invalidArchive('manifest.json entry without Config or Layers');
    out.push({
      config: (await fileIn(root, e.Config))!,
      tags: (e.RepoTags ?? []).map(tagKey),
      layers: await Promise.all(e.Layers.map(async (l) => ({ file: (await fileIn(root, l))! }))),
    });
  }
  return out;
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  platform?: { os?: string; architecture?: string };
  annotations?: Record<string, string>;
}

async function blob(root: string, d: Descriptor): Promise<string> {
  const m = /^sha256:([0-9a-f]{64})$/.exec(typeof d?.digest === 'string' ? d.digest : '');
  if (!m) throw invalidArchive(`unsupported digest ${JSON.stringify(d?.digest)}`);
  return (await fileIn(root, `blobs/sha256/${m[1]}`))!;
}

/** The tag an OCI layout gives a manifest: containerd's full name, else a ref.name that is a whole reference. */
function layoutTag(d: Descriptor): string[] {
  const a = d.annotations ?? {};
  const name = a['io.containerd.image.name'] ?? a['org.opencontainers.image.ref.name'];
  // a bare tag (`latest`, `v1`: umoci's and skopeo's) names no repository: the image loads untagged
  if (!name || !/[:/]/.test(name)) return [];
  return [tagKey(name)];
}

async function ociLayout(root: string): Promise<ArchiveImage[]> {
  const index = await json<{ manifests?: Descriptor[] }>((await fileIn(root, 'index.json'))!, 'index.json');
  const byConfig = new Map<string, ArchiveImage>();
  const platform = hostPlatform();
  const visit = async (d: Descriptor, tags: string[], depth: number): Promise<void> => {
    const doc = await json<{
      mediaType?: string;
      manifests?: Descriptor[];
      config?: Descriptor;
      layers?: Descriptor[];
    }>(await blob(root, d), `manifest ${d.digest}`);
    const type = d.mediaType ?? doc.mediaType ?? '';
    if (INDEX_TYPES.includes(type) || Array.isArray(doc.manifests)) {
      if (depth > 2) throw invalidArchive('indexes nested too deep');
      const mine = (doc.manifests ?? []).filter(
        (m) => !m.platform || (m.platform.os === platform.os && m.platform.architecture === platform.architecture),
      );
      if (mine.length === 0)
        throw invalidArchive(`no manifest for ${platform.os}/${platform.architecture} in index ${d.digest}`);
      return visit(mine[0]!, tags, depth + 1);
    }
    if (!doc.config || !Array.isArray(doc.layers)) throw invalidArchive(`manifest ${d.digest} has no config or layers`);
    const seen = byConfig.get(doc.config.digest);
    if (seen) {
      for (const t of tags) if (!seen.tags.includes(t)) seen.tags.push(t);
      return;
    }
    byConfig.set(doc.config.digest, {
      config: await blob(root, doc.config),
      configDigest: doc.config.digest,
      tags: [...tags],
      layers: await Promise.all(
        doc.layers.map(async (l) => ({
          file: await blob(root, l),
          digest: l.digest,
          ...(l.mediaType ? { mediaType: l.mediaType } : {}),
        })),
      ),
    });
  };
  if (!Array.isArray(index.manifests) || index.manifests.length === 0)
    throw invalidArchive('index.json lists no manifests');
  for (const d of index.manifests) await visit(d, layoutTag(d), 0);
  return [...byConfig.values()];
}
