import { DEFAULT_PATH_ENV } from '../../common/env';
import type { ImageInfo } from '../../common/types';
import { notFound } from '../http';
import { imageId, localImageName, repoTag } from './image-ref';

/** container-saga's image records → the Engine API's image list entries and image inspect. */

const ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
};

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** GET /images/json's entry (Docker's ImageSummary). */
export function imageSummary(img: ImageInfo) {
  return {
    Containers: -1,
    Created: seconds(img.created),
    Id: imageId(img.name),
    Labels: {},
    ParentId: '',
    RepoDigests: [],
    RepoTags: [repoTag(img.name)],
    SharedSize: -1,
    Size: img.sizeBytes,
    VirtualSize: img.sizeBytes,
  };
}

/** The image's config: what a container of it gets unless its create says otherwise (no command: give one). */
function imageConfig() {
  return {
    Hostname: '',
    Domainname: '',
    User: '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: [DEFAULT_PATH_ENV],
    Cmd: null,
    Image: '',
    Volumes: null,
    WorkingDir: '',
    Entrypoint: null,
    OnBuild: null,
    Labels: null,
  };
}

/** GET /images/{image}/json (Docker's ImageInspect). */
export function imageInspect(img: ImageInfo) {
  const id = imageId(img.name);
  return {
    Id: id,
    RepoTags: [repoTag(img.name)],
    RepoDigests: [],
    Parent: '',
    Comment: 'imported by container-saga',
    Created: img.created,
    Container: '',
    ContainerConfig: imageConfig(),
    DockerVersion: '',
    Author: '',
    Config: imageConfig(),
    Architecture: ARCH[process.arch] ?? process.arch,
    Os: 'linux',
    Size: img.sizeBytes,
    VirtualSize: img.sizeBytes,
    GraphDriver: { Data: null, Name: 'overlay' },
    // one layer: the imported rootfs (its ID stands in for a diff ID)
    RootFS: { Type: 'layers', Layers: [id] },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
  };
}

/**
 * Docker's image lookup: by reference (`busybox`, `busybox:latest`), then by ID (`sha256:…` or a unique hex
 * prefix of it). 404 "No such image: <ref>" otherwise.
 */
export function findImage(images: readonly ImageInfo[], ref: string): ImageInfo {
  let name: string | undefined;
  try {
    name = localImageName(ref);
  } catch {
    name = undefined;
  }
  const byName = name === undefined ? undefined : images.find((i) => i.name === name);
  if (byName) return byName;
  const hex = /^(?:sha256:)?([0-9a-f]{4,64})$/.exec(ref)?.[1];
  if (hex) {
    const byId = images.filter((i) => imageId(i.name).slice('sha256:'.length).startsWith(hex));
    if (byId.length === 1) return byId[0]!;
  }
  throw notFound(`No such image: ${ref}`);
}
