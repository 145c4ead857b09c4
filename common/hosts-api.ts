import type { MatchedBy } from './lookup';
import { DEFAULT_TASK_QUEUE } from './names';
import type { ContainerSnapshot } from './start-api';
import type { ContainerRecord } from './types';

/**
 * Many hosts, one control plane (docs/design.md, "Hosts"). Each worker runs as a named host and polls two
 * task queues: the shared one (every workflow, and the activities that touch no host) and its host queue,
 * `<shared>@<host>`, for every activity that touches the host (rootfs, network, IPC, volumes, spec, process,
 * exec, logs, the monitor's wait, gc). A container belongs to the host that created it; its record says so
 * (`Node.Name`), and the workflows route each host activity to the owner's queue. Types, names and pure
 * rules only: workflow code imports this file.
 */

/** A host name: what CONTAINER_SAGA_HOST may be (a DNS label's characters, as Swarm's node names). */
export const HOST_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

/** The task queue of one host's activities. */
export function hostTaskQueue(sharedQueue: string, host: string): string {
  return `${sharedQueue}@${host}`;
}

/** The shared queue of a host queue (`container-saga@a` → `container-saga`); a shared queue is its own. */
export function sharedQueueOf(queue: string, host: string): string {
  const suffix = `@${host}`;
  return queue.endsWith(suffix) ? queue.slice(0, -suffix.length) : queue;
}

/** The host registry's workflow (workflows/hosts.ts): one per shared task queue, as the reads workflow. */
export function hostsWorkflowId(sharedQueue: string): string {
  return sharedQueue === DEFAULT_TASK_QUEUE
    ? `${DEFAULT_TASK_QUEUE}-hosts`
    : `${DEFAULT_TASK_QUEUE}-hosts-${sharedQueue}`;
}

/**
 * How long a host activity may wait in its host's queue before the workflow gives up on the host (the
 * activity's schedule-to-start timeout): a start whose host has no live worker fails after this long,
 * naming the host (HostUnavailable). Busy hosts pick tasks up in milliseconds; this only catches dead ones.
 */
export const HOST_PICKUP_TIMEOUT_S = 20;

/**
 * A host counts as live while a worker polled its host queue within this window. An idle worker's poll is a
 * long poll the server answers empty after about a minute, and the next one begins at once; the server keeps
 * a dead poller's last access for 5 minutes, so it is the time that tells.
 */
export const HOST_LIVE_WINDOW_MS = 75_000;

/** Placement: a host that is `drain` takes no new containers (Swarm's node availability). */
export type HostAvailability = 'active' | 'drain';

/** What the registry keeps of a host (registered by its worker at start-up). */
export interface HostRegistration {
  name: string;
  /** the worker's driver: `linux` or `simulated` */
  driver: string;
  availability: HostAvailability;
  /** when its worker last registered (ISO time, workflow time) */
  registeredAt: string;
}

/** The registry's Updates and Query (any Temporal client may send them). */
export const HostsUpdates = { register: 'register', setAvailability: 'setAvailability', remove: 'remove' } as const;
export const HOSTS_QUERY = 'hosts';
/** The registry's memo field with the same list (read by describe(), which needs no worker). */
export const HOSTS_MEMO = 'hosts';

export interface RegisterHostInput {
  name: string;
  driver: string;
}
export interface SetAvailabilityInput {
  name: string;
  availability: HostAvailability;
}
export interface RemoveHostInput {
  name: string;
}

/** A registered host with its liveness, as the `liveHosts` activity reads it (registry + task queue pollers). */
export interface HostView extends HostRegistration {
  live: boolean;
  /** the last poll of its host queue seen by the server (ISO time), if any */
  lastSeen?: string;
}

/** One host's own report (the `hostStatus` activity, run on its host queue). */
export interface HostStatus {
  name: string;
  driver: string;
  running: number;
  containers: number;
  /** whether the image asked about is present on the host (undefined when none was asked) */
  hasImage?: boolean;
}

/** A line of `container-saga host ls` (the reads workflow's `hosts` read). */
export interface HostRow extends HostView {
  /** the host's own counts; absent when it is not live (or did not answer in time) */
  status?: HostStatus;
}

/**
 * Placement (documented in docs/hosts.md): among live, active hosts that have the image, the one with the fewest
 * running containers, ties by name. Pure, so a workflow applies it to the statuses it gathered.
 */
export function pickHost(candidates: readonly HostStatus[]): HostStatus | undefined {
  return [...candidates]
    .filter((h) => h.hasImage !== false)
    .sort((a, b) => a.running - b.running || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0];
}

/** What `locateHere` finds of a container ref on one host: how it matched (Docker's order), or nothing. */
export interface LocatedHere {
  /** the host that looked */
  host: string;
  match?: { id: string; name: string; by: MatchedBy };
  /** the container's snapshot, when asked for and the match is a full ID or an exact name (the start saga's lookup) */
  snapshot?: ContainerSnapshot;
  /** the container as inspect shows it, when asked for and the match is a full ID or an exact name (for inspect) */
  view?: ContainerRecord;
}
