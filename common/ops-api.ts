import type { ContainerEvent, ContainerRecord, CreateRequest, ImageInfo } from './types';

/**
 * Inputs and results of the small workflows behind the CLI's other verbs. The CLI reaches containers only
 * through Temporal, so each verb is a workflow (one activity) served by the worker that owns the state.
 * Types only: workflow code may import this file.
 */
export interface CreateInput {
  request: CreateRequest;
  /** `create --host NAME`: the host the container belongs to; without it, placement picks one (common/hosts-api.ts) */
  host?: string;
}
export interface CreateResult {
  Id: string;
  Warnings: string[];
}

export interface InspectInput {
  container: string;
}
export type InspectResult = ContainerRecord;

export interface ListInput {
  all: boolean;
}
export type ListResult = ContainerRecord[];

export interface EventsInput {
  /** cursor from a previous call; 0 for all */
  since: number;
  /**
   * bytes of events in one answer at most (the worker caps it at 256 KiB); a reader pages on with `next` while `more`
   */
  limit?: number;
  /** `events --host NAME`: that host's events (its own log and cursor); without it, the first live host's by name */
  host?: string;
}
export interface EventsResult {
  events: ContainerEvent[];
  next: number;
  /** whether more events were recorded after `next` (results before paging have none: read as false) */
  more?: boolean;
}

export interface StopInput {
  container: string;
  timeoutSeconds: number;
}
export interface StopResultRecord {
  containerId: string;
  name: string;
  exitCode: number;
  wasRunning: boolean;
  /** set when a start saga was in flight and got cancelled (it compensated first) */
  cancelledStart?: boolean;
}

export interface RemoveInput {
  container: string;
  force: boolean;
}
export interface RemoveResult {
  containerId: string;
  name: string;
  cancelledStart?: boolean;
}

/** One page of a container's output (docker logs reads a stream; clients page through it). */
export interface LogsInput {
  container: string;
  /**
   * logical byte offset to read from (it survives rotations): an earlier page's `next`; default the oldest kept byte,
   * or where `since`/`tail` put it
   */
  cursor?: number;
  /** only the last N lines (docker logs --tail), when no cursor is given */
  tail?: number;
  /**
   * only lines that appeared at or after this time, in ms since the epoch (docker logs --since), when no cursor is
   * given
   */
  since?: number;
  /**
   * each line prefixed with the time it appeared, RFC 3339 with nanoseconds (docker logs -t); the prefixes count within
   * the page
   */
  timestamps?: boolean;
  /** nothing from the first line written after this time on, in ms since the epoch (docker logs --until) */
  until?: number;
  /** bytes in one page at most (the worker caps it at 256 KiB) */
  limit?: number;
}
/** Output of one stream (consecutive lines of one stream make one chunk). */
export interface LogsChunk {
  stream: 'stdout' | 'stderr';
  text: string;
}
export interface LogsResult {
  containerId: string;
  chunks: LogsChunk[];
  /** a line written after `until` was met: the reader stops */
  untilReached?: boolean;
  /** the cursor of the next page */
  next: number;
  /** whether the log held more than this page when it was read */
  more: boolean;
  /** whether the container was running then: a follower stops once it is not and nothing is left */
  running: boolean;
}

export interface ImageImportInput {
  name: string;
  /** a rootfs tarball or directory on the worker's host, or "busybox-static" to build busybox from Debian's binary */
  source: string;
  /** `image import --host NAME`: that host only; without it, every live host imports it (each from its own machine) */
  host?: string;
}
/** the image as imported; `hosts`: where it was imported */
export type ImageImportResult = ImageInfo & { hosts?: string[] };
/** images by name; across hosts each name once, with the hosts that have it, by name */
export type ImageListResult = Array<ImageInfo & { hosts?: string[] }>;

/** What gc released, and what it still could not. */
/** gc and restore: one host's (the worker's start-up reconcile), else every live host's */
export interface HostScopedInput {
  host?: string;
}

export interface GcResult {
  released: Array<{ containerId: string; resources: string[] }>;
  failed: Array<{ containerId: string; leftovers: string[] }>;
}

/** Docker's wait conditions: `not-running` (at once when it does not run), `next-exit`, `removed`. */
export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

/** docker wait (the Engine API's POST /containers/{id}/wait): the condition defaults to not-running. */
export interface WaitInput {
  container: string;
  condition?: WaitCondition;
  /**
   * next-exit: the State.FinishedAt the client saw when it asked, so an exit recorded after that counts even
   * when it happened before the wait's first look (`docker run` asks before it starts); default: the first look's
   */
  afterFinishedAt?: string;
}
export interface WaitResult {
  containerId: string;
  StatusCode: number;
}
