/**
 * The image pull workflow's input, progress and result (workflows/image-pull.ts). Types and pure helpers only:
 * workflow code imports this file.
 */

/** Registry credentials as a pull carries them (X-Registry-Auth, decoded): encrypted with every payload. */
export interface PullAuth {
  username?: string;
  password?: string;
  identityToken?: string;
  registryToken?: string;
  serverAddress?: string;
}

/** PullAuth's fields (the input check's list). */
export const PULL_AUTH_FIELDS = ['username', 'password', 'identityToken', 'registryToken', 'serverAddress'] as const;

export interface PullInput {
  /** the reference as the user gave it (`busybox`, `localhost:5000/x:1`, `name@sha256:…`) */
  reference: string;
  /** `--platform os/arch[/variant]`; default linux/amd64 */
  platform?: string;
  /** `--host NAME`: that host only; without it, every live host */
  host?: string;
  auth?: PullAuth;
}

/** A layer's state in the pull, as Docker's progress names it. */
export type LayerState = 'waiting' | 'downloading' | 'verifying' | 'extracting' | 'already exists' | 'complete';

/** A layer of the image being pulled. */
export interface PullLayer {
  /** the blob's digest (what Docker's progress shows, shortened to 12) */
  digest: string;
  diffID: string;
  size: number;
  mediaType: string;
  state: LayerState;
}

/** What the resolve step found on one host: the image, its layers, and which of them the host has already. */
export interface ResolvedPull {
  /** the store's key of the reference (canonical `domain/path:tag`, or `domain/path@digest`) */
  key: string;
  /** as Docker shows it (`busybox:latest`) */
  familiar: string;
  /** `repo@manifestDigest`'s key (Docker's RepoDigests) */
  digestKey: string;
  /** the image manifest's digest (the one chosen from an index) */
  digest: string;
  /** the image ID (config digest) */
  id: string;
  layers: PullLayer[];
}

/** Progress of one host's pull: the query's answer (the client adds byte offsets from heartbeats). */
export interface HostPullProgress {
  host: string;
  resolved?: ResolvedPull;
  /** Docker's last line, once the image is recorded */
  status?: string;
}

export interface PullProgress {
  reference: string;
  hosts: HostPullProgress[];
}

/** One host's result: Docker's `Digest:` and `Status:` lines. */
export interface HostPullResult {
  host: string;
  id: string;
  digest: string;
  /** `Downloaded newer image for busybox:latest` or `Image is up to date for busybox:latest` */
  status: string;
  /** whether a layer was fetched, or the reference moved */
  updated: boolean;
}

export interface PullResult {
  reference: string;
  hosts: HostPullResult[];
}

/** What a layer activity heartbeats: the bytes on disk so far, and its phase. */
export interface LayerHeartbeat {
  digest: string;
  offset: number;
  total: number;
  phase: 'downloading' | 'verifying' | 'extracting';
}

/** The pull workflow's query. */
export const PULL_PROGRESS_QUERY = 'pullProgress';

/** Docker's max-concurrent-downloads. */
export const PULL_CONCURRENCY = 3;

/**
 * One pull per host set and reference at a time: a second pull of the same image attaches to the running one
 * (clients start with conflict policy USE_EXISTING). `key` is the reference's canonical key.
 */
export function pullWorkflowId(key: string, host?: string): string {
  return `image-pull-${host ? `${host}-` : ''}${key}`;
}
