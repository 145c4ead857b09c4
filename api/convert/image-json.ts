import type { ImageRunConfig } from '../../common/image-config';
import type { ImageInfo } from '../../common/types';
import { notFound } from '../http';
import { hasReference } from './image-ref';

/** container-saga's image records → the Engine API's image list entries and image inspect. */

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** GET /images/json's entry (Docker's ImageSummary). */
export function imageSummary(img: ImageInfo) {
  return {
    Containers: -1,
    Created: seconds(img.created),
    Id: img.id,
    Labels: img.config.config?.Labels ?? {},
    ParentId: '',
    RepoDigests: img.repoDigests,
    RepoTags: img.repoTags,
    SharedSize: -1,
    Size: img.sizeBytes,
    VirtualSize: img.sizeBytes,
  };
}

/** The image's config as Docker's inspect shows it (container.Config: every field, nulls where unset). */
function runConfig(c: ImageRunConfig = {}) {
  return {
    Hostname: '',
    Domainname: '',
    User: c.User ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ...(c.ExposedPorts ? { ExposedPorts: c.ExposedPorts } : {}),
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: c.Env ?? null,
    Cmd: c.Cmd ?? null,
    ...(c.Healthcheck ? { Healthcheck: c.Healthcheck } : {}),
    ...(c.ArgsEscaped ? { ArgsEscaped: true } : {}),
    Image: '',
    Volumes: c.Volumes ?? null,
    WorkingDir: c.WorkingDir ?? '',
    Entrypoint: c.Entrypoint ?? null,
    OnBuild: c.OnBuild ?? null,
    Labels: c.Labels ?? null,
    ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
    ...(c.Shell ? { Shell: c.Shell } : {}),
  };
}

/** GET /images/{image}/json (Docker's ImageInspect). */
export function imageInspect(img: ImageInfo) {
  const cfg = img.config;
  return {
    Id: img.id,
    RepoTags: img.repoTags,
    RepoDigests: img.repoDigests,
    Parent: '',
    Comment: cfg.comment ?? cfg.history?.at(-1)?.comment ?? '',
    Created: img.created,
    Container: cfg.container ?? '',
    ContainerConfig: runConfig(),
    DockerVersion: cfg.docker_version ?? '',
    Author: cfg.author ?? '',
    Config: runConfig(cfg.config),
    Architecture: cfg.architecture,
    ...(cfg.variant ? { Variant: cfg.variant } : {}),
    Os: cfg.os,
    Size: img.sizeBytes,
    VirtualSize: img.sizeBytes,
    GraphDriver: { Data: null, Name: 'overlay2' },
    RootFS: { Type: 'layers', Layers: cfg.rootfs.diff_ids },
    Metadata: { LastTagTime: img.lastTagTime ?? '0001-01-01T00:00:00Z' },
  };
}

/**
 * Docker's image lookup: a full ID, a reference (`busybox`, `busybox:latest`, `name@sha256:…`), a unique prefix
 * of an ID. 404 "No such image: <ref>" otherwise.
 */
export function findImage(images: readonly ImageInfo[], ref: string): ImageInfo {
  const full = /^(?:sha256:)?([0-9a-f]{64})$/.exec(ref)?.[1];
  const byFull = full ? images.find((i) => i.id === `sha256:${full}`) : undefined;
  if (byFull) return byFull;
  const byRef = images.find((i) => hasReference(i, ref));
  if (byRef) return byRef;
  const hex = /^(?:sha256:)?([0-9a-f]{1,63})$/.exec(ref)?.[1];
  if (hex) {
    const byId = images.filter((i) => i.id.slice('sha256:'.length).startsWith(hex));
    if (byId.length === 1) return byId[0]!;
  }
  throw notFound(`No such image: ${ref}`);
}
