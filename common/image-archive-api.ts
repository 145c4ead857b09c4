/** `image save` and `image load` (workflows/image-archive.ts): archives are files on a worker's host, not payloads. */

export interface ImageSaveInput {
  /** references or IDs, as `docker save` takes them */
  images: string[];
  /** an absolute path on the host where the docker-archive is written */
  output: string;
  /** `--host NAME`: save there; without it, on the one live host that has every image */
  host?: string;
}

export interface ArchivedImage {
  id: string;
  /** the tags it has in the archive (familiar: `busybox:latest`) */
  repoTags: string[];
}

export interface ImageSaveResult {
  host: string;
  output: string;
  images: ArchivedImage[];
  bytes: number;
}

export interface ImageLoadInput {
  /** an absolute path on the host: a docker-archive or OCI layout, tarball or directory */
  input: string;
  /** `--host NAME`: load there; without it, on every live host (each reading the path on its own machine) */
  host?: string;
}

export interface ImageLoadResult {
  hosts: string[];
  images: ArchivedImage[];
  /** tags the load moved from another image (Docker's "renaming the old one … to empty string") */
  renamed: { tag: string; from: string }[];
}

/** A host's answer to "which of these images do you lack?", each with Docker's message for it. */
export interface MissingImages {
  missing: { name: string; message: string }[];
}

/** Docker's `docker load` output lines for a load's result. */
export function loadedLines(r: Pick<ImageLoadResult, 'images' | 'renamed'>): string[] {
  const lines = r.renamed.map(
    (x) => `The image ${x.tag} already exists, renaming the old one with ID ${x.from} to empty string`,
  );
  for (const img of r.images) {
    if (img.repoTags.length === 0) lines.push(`Loaded image ID: ${img.id}`);
    for (const t of img.repoTags) lines.push(`Loaded image: ${t}`);
  }
  return lines;
}
