/**
 * Inputs and results of the image verbs that change a host's images (tag, rmi, prune): workflow-safe types
 * (workflows/image-verbs.ts, activities/image-verbs.ts, the CLI and the Engine API share them).
 */

/** `docker tag SOURCE TARGET`: on `host` only, else on every live host that has SOURCE. */
export interface ImageTagInput {
  source: string;
  target: string;
  host?: string;
}
/** the image tagged (its ID on each host; one ID when pulled), and the hosts where it was */
export interface ImageTagResult {
  id: string;
  target: string;
  hosts: string[];
}

/** `docker rmi [-f] [--no-prune] IMAGE` (DELETE /images/{name}?force=&noprune=) */
export interface ImageRemoveInput {
  image: string;
  force: boolean;
  /** Docker's noprune: keep untagged parents; accepted (our images have no parents) */
  noprune?: boolean;
  host?: string;
  /** the host's activity only checks what it would do (the workflow asks every host before any acts) */
  dryRun?: boolean;
}

/** One line of Docker's image delete answer (ImageDeleteResponseItem). */
export interface ImageDeleteItem {
  Untagged?: string;
  Deleted?: string;
}
export type ImageRemoveResult = ImageDeleteItem[];

/** `docker image prune [-a]` (POST /images/prune?filters=): the filters as the host applies them. */
export interface ImagePruneInput {
  /** dangling=false (`-a`): every image no container uses; default: only those without a tag */
  all: boolean;
  /** `label=KEY[=VALUE]`: each must match */
  labels?: string[];
  /** `label!=KEY[=VALUE]`: none may match */
  labelsNot?: string[];
  /** `until=`: images created before this time (ISO 8601) */
  until?: string;
  host?: string;
}
export interface ImagePruneResult {
  ImagesDeleted: ImageDeleteItem[] | null;
  SpaceReclaimed: number;
}
