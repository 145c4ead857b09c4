/**
 * Bounds on what clients may hold open: how long a request may take to send its headers (and an upgraded
 * request its body), how many connections at once, and how many streams (attach, exec start, logs -f,
 * events) at once. A stream's own input (attach's stdin) may stay idle for as long as the user likes, as
 * with Docker; these bound only what comes before it.
 */

export interface ServerLimits {
  /** the request's headers must be complete within this (Node's headersTimeout) */
  headersTimeoutMs: number;
  /** a plain request, body included, must be complete within this (Node's requestTimeout) */
  requestTimeoutMs: number;
  /** the body of an upgraded request may pause this long between chunks */
  upgradeBodyIdleMs: number;
  /** connections beyond this are closed as they arrive (Node's maxConnections) */
  maxConnections: number;
  /** the streams open at once across the API's listeners */
  streams: StreamLimit;
}

export const HEADERS_TIMEOUT_MS = 15_000;
/** Node's own default: image load and import bodies (tar files) must arrive within it. */
export const REQUEST_TIMEOUT_MS = 300_000;
/** Connections that are not streams, beyond CONTAINER_SAGA_API_MAX_STREAMS. */
export const MAX_PLAIN_CONNECTIONS = 512;

export function defaultLimits(maxStreams = 256): ServerLimits {
  return {
    headersTimeoutMs: HEADERS_TIMEOUT_MS,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    upgradeBodyIdleMs: HEADERS_TIMEOUT_MS,
    maxConnections: maxStreams + MAX_PLAIN_CONNECTIONS,
    streams: streamLimit(maxStreams),
  };
}

/** A count of open streams, shared by the unix socket and the TCP listener. */
export interface StreamLimit {
  readonly max: number;
  readonly open: number;
  /** takes a place, or returns undefined when all are taken; the release function is idempotent */
  acquire(): (() => void) | undefined;
}

export function streamLimit(max: number): StreamLimit {
  let open = 0;
  return {
    max,
    get open() {
      return open;
    },
    acquire() {
      if (open >= max) return undefined;
      open++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        open--;
      };
    },
  };
}
