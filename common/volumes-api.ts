/**
 * Inputs and results of the volume verbs (docker volume create/ls/inspect/rm/prune): workflow-safe types
 * that workflows/volume-verbs.ts, activities/volume-verbs.ts, the CLI and the Engine API share.
 */

/** Docker's Volume (GET /volumes/{name}): the record kept beside the volume's data (volumes/store.ts). */
export interface VolumeRecord {
  Name: string;
  Driver: 'local';
  Mountpoint: string;
  /** RFC 3339, seconds, as Docker's */
  CreatedAt: string;
  Labels: Record<string, string> | null;
  Scope: 'local';
  Options: Record<string, string> | null;
}

/** The label Docker gives anonymous volumes; prune without `all` removes only volumes that carry it. */
export const ANONYMOUS_VOLUME_LABEL = 'com.docker.volume.anonymous';

/** `docker volume create [NAME]` (POST /volumes/create): without a name, a random 64-hex one. */
export interface VolumeCreateInput {
  name?: string;
  /** only `local` (or empty): the driver there is */
  driver?: string;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  host?: string;
}

/** The filters `docker volume ls` takes (GET /volumes?filters=), as the host applies them. */
export interface VolumeFilters {
  /** each a substring (Docker matches the name by pattern) any of which must match */
  name?: string[];
  /** `KEY` or `KEY=VALUE`: each must match */
  label?: string[];
  /** true: only volumes no container references; false: only referenced ones */
  dangling?: boolean;
  driver?: string[];
}

export interface VolumeListInput {
  filters?: VolumeFilters;
  host?: string;
}
export interface VolumeListResult {
  Volumes: VolumeRecord[];
  Warnings: string[];
}

export interface VolumeInspectInput {
  name: string;
  host?: string;
}

/** `docker volume rm [-f] NAME` (DELETE /volumes/{name}?force=): force only makes a missing volume no error. */
export interface VolumeRemoveInput {
  name: string;
  force: boolean;
  host?: string;
  /** the host's activity only checks (in use, exists): the workflow asks every host before one acts */
  dryRun?: boolean;
}

/** `docker volume prune [-a]` (POST /volumes/prune?filters=): unused volumes, only anonymous ones without all. */
export interface VolumePruneInput {
  all: boolean;
  /** `label=KEY[=VALUE]`: each must match */
  labels?: string[];
  /** `label!=KEY[=VALUE]`: none may match */
  labelsNot?: string[];
  host?: string;
}
export interface VolumePruneResult {
  VolumesDeleted: string[] | null;
  SpaceReclaimed: number;
}
