/**
 * An image's config as the OCI image spec and Docker's image JSON carry it (the blob whose sha256 is the image
 * ID). Workflow-safe: create merges `config` into a container's Config (Docker's mergeAndVerifyConfig).
 */

/** Docker's HealthConfig (durations in nanoseconds); `Test: ["NONE"]` disables the image's. */
export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** What a container of the image runs with unless its create says otherwise (Docker's container.Config subset). */
export interface ImageRunConfig {
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, Record<string, never>> | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Healthcheck?: HealthConfig;
  ArgsEscaped?: boolean;
  OnBuild?: string[] | null;
  Shell?: string[];
}

export interface ImageHistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ImageRunConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: ImageHistoryEntry[];
  /** Docker's own fields, kept for inspect */
  container?: string;
  docker_version?: string;
  comment?: string;
}

/** One image on a host, as the image verbs and create see it (the Engine API's fields are made from it). */
export interface ImageInfo {
  /** the first tag, familiar, `:latest` left out (`busybox`, `tarred:1.0`), or `<none>:<none>` for an untagged image */
  name: string;
  /** `sha256:<hex>` of the config blob */
  id: string;
  /** familiar `name:tag` references (Docker's RepoTags) */
  repoTags: string[];
  /** familiar `name@sha256:<manifest digest>` references (Docker's RepoDigests) */
  repoDigests: string[];
  /** the config's `created`, else when the image was stored */
  created: string;
  /** bytes of the unpacked layers */
  sizeBytes: number;
  /** bytes of each unpacked layer, bottom first (`docker history`) */
  layerSizes?: number[];
  /** when a tag last pointed here (Docker's Metadata.LastTagTime) */
  lastTagTime?: string;
  config: ImageConfig;
}
