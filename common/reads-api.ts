import type {
  EventsInput,
  EventsResult,
  ImageListResult,
  InspectInput,
  InspectResult,
  ListInput,
  ListResult,
  LogsInput,
  LogsResult,
} from './ops-api';
import type { HostRow } from './hosts-api';
import type { DiskUsageResult, TopInput, TopResult } from './container-verbs-api';
import type { NetworkInspectInput, NetworkView } from './network-api';
import type { ExecOutputInput, ExecOutputResult } from './verbs-api';
import type { VolumeInspectInput, VolumeListInput, VolumeListResult, VolumeRecord } from './volumes-api';

/**
 * The read path: one long-lived reads workflow per task queue (workflows/reads.ts) serves every read-only
 * verb as a Workflow Update, so reads leave no workflow run behind them in the namespace's list; only what
 * changes state does. Types and names only: workflow code imports this file.
 */

/** Each read: its Update name, its one argument and its result (the read activity's, unchanged). */
export interface Reads {
  inspect: { input: InspectInput; result: InspectResult };
  list: { input: ListInput; result: ListResult };
  events: { input: EventsInput; result: EventsResult };
  logs: { input: LogsInput; result: LogsResult };
  imageList: { input: Record<string, never>; result: ImageListResult };
  execOutput: { input: ExecOutputInput; result: ExecOutputResult };
  /** `host ls` */
  hosts: { input: Record<string, never>; result: HostRow[] };
  /** `volume ls`, `volume inspect` */
  volumeList: { input: VolumeListInput; result: VolumeListResult };
  volumeInspect: { input: VolumeInspectInput; result: VolumeRecord };
  /** `network ls` (filtered by the caller) and `network inspect` */
  networkList: { input: Record<string, never>; result: NetworkView[] };
  networkInspect: { input: NetworkInspectInput; result: NetworkView };
  /** `top` (ps on the container's host) and `system df` */
  top: { input: TopInput; result: TopResult };
  diskUsage: { input: Record<string, never>; result: DiskUsageResult };
}
export type ReadName = keyof Reads;

/** The Update names, which any Temporal client sends (`temporal workflow update execute --name inspect`). */
export const READ_NAMES = [
  'inspect',
  'list',
  'events',
  'logs',
  'imageList',
  'execOutput',
  'hosts',
  'volumeList',
  'volumeInspect',
  'networkList',
  'networkInspect',
  'top',
  'diskUsage',
] as const satisfies readonly ReadName[];

/**
 * A read refused because the run is about to continue as new (it serves the reads already accepted, and takes
 * none, so that a steady stream of reads cannot keep it from continuing): the client sends it again, and the
 * new run serves it. Not a Docker error; never shown to a user unless the retries run out.
 */
export const READS_CONTINUING = 'ReadsContinuingAsNew';

/** Query of the reads workflow: how many reads of each kind it has served, over all its runs. */
export const SERVED_QUERY = 'served';
export type ReadsServed = Partial<Record<ReadName, number>>;

export interface ReadsInput {
  /** continue as new once the run's history has this many events (default READS_MAX_EVENTS; tests set a few dozen) */
  maxEvents?: number;
  /** … or this many bytes (default READS_MAX_BYTES): read results, log pages included, land in history */
  maxBytes?: number;
  /** carried over by continue-as-new: the reads served by the earlier runs */
  served?: ReadsServed;
}

/**
 * A read alone costs 11 events (the Update accepted and completed, the activity's three, two workflow tasks'
 * three; reads at once share workflow tasks), so a run serves about 200 reads before it continues as new:
 * small enough that a worker that picks it up replays it at once, and below the server's own suggestion.
 */
export const READS_MAX_EVENTS = 2000;
/** A log page is up to 256 KiB and lands twice (activity result and Update result): a run holds a few such pages. */
export const READS_MAX_BYTES = 2 * 1024 * 1024;
