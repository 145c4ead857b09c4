/**
 * Inputs and results of rename, top, container prune and system df (issue 27's everyday verbs): workflow-safe
 * types that workflows/container-verbs.ts, activities/container-verbs.ts, the CLI and the Engine API share.
 */
import type { VolumeRecord } from './volumes-api';
import type { ImageInfo } from './image-config';
import type { ContainerRecord } from './types';

/** docker rename CONTAINER NEW_NAME (POST /containers/{id}/rename?name=). */
export interface RenameInput {
  container: string;
  /** the new name, with or without its leading slash */
  name: string;
}
export interface RenameResult {
  containerId: string;
  /** the old and the new name, each with its leading slash (Docker's event attribute `oldName` is the old one) */
  oldName: string;
  newName: string;
}

/** docker top CONTAINER [ps OPTIONS] (GET /containers/{id}/top?ps_args=). */
export interface TopInput {
  container: string;
  /** ps's options as one string, split on spaces as Docker does; default `-ef` */
  psArgs?: string;
}
/** Docker's ContainerTopOKBody: ps's header fields and the rows of the container's processes. */
export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

/** docker container prune (POST /containers/prune?filters=): stopped containers the filters take. */
export interface ContainerPruneInput {
  /** `label=KEY[=VALUE]`: each must match */
  labels?: string[];
  /** `label!=KEY[=VALUE]`: none may match */
  labelsNot?: string[];
  /** `until=`: containers created before this time (ISO 8601) */
  until?: string;
  host?: string;
}
export interface ContainerPruneResult {
  ContainersDeleted: string[] | null;
  SpaceReclaimed: number;
}

/** One container with the sizes of its writable layer and of its whole root file system (bytes). */
export interface ContainerUsage {
  record: ContainerRecord;
  sizeRw: number;
  sizeRootFs: number;
}
/** One volume with its data's size and how many containers reference it (Docker's UsageData). */
export interface VolumeUsage {
  volume: VolumeRecord;
  size: number;
  refCount: number;
}
/** One image with the number of containers that use it. */
export interface ImageUsage {
  image: ImageInfo;
  containers: number;
  /** bytes of its layers that another image of the host has too */
  sharedSize: number;
}
/** docker system df (GET /system/df): every live host's images, containers and volumes with their sizes. */
export interface DiskUsageResult {
  /** bytes of the unpacked layers, each counted once per host */
  layersSize: number;
  images: ImageUsage[];
  containers: ContainerUsage[];
  volumes: VolumeUsage[];
}
