import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  defineQuery,
  defineUpdate,
  makeContinueAsNewFunc,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { baselineMemo } from '../common/baseline';
import { ErrorTypes } from '../common/errors';
import type { CheckedWorkflow } from '../common/input-check';
import {
  READS_CONTINUING,
  READS_MAX_BYTES,
  READS_MAX_EVENTS,
  SERVED_QUERY,
  type ReadName,
  type Reads,
  type ReadsInput,
  type ReadsServed,
} from '../common/reads-api';
import { checkInput, surfaced } from './failures';
import * as onHosts from './host-verbs';
import { inspectOnHosts, listOnHosts } from './volume-hosts';
import { networkInspect, networkList } from './network-reads';
import { diskUsage, top } from './container-reads';

/**
 * The read path (docs/design.md): one long-lived workflow per task queue serves every read-only verb as an
 * Update, each running its read activity on a worker that owns the state. A read thus still goes only through
 * Temporal, and its history is kept (here), but it starts no workflow run of its own.
 *
 * Activities, not local activities: a local activity holds the workflow task open while it reads, and every
 * read of the queue goes through this one workflow, so a slow read (a 256 KiB log page on a busy host) would
 * hold back the others, and a workflow task that times out twice makes the server refuse new Updates
 * ("Workflow Task in failed state") until one succeeds. The cost is a round
 * trip per read (it stays faster than a workflow run per read: docs/performance.md).
 * A failed read fails its Update with the Docker type and message at the top level, as the one-run-per-read
 * workflows of ops.ts fail themselves. The run continues as new when its history grows past a bound, once
 * the reads in flight have finished. Meanwhile it refuses new reads (READS_CONTINUING), which the client sends
 * again; Updates that reach it as it closes are retried by the server and client on the new run.
 */
type Serve<K extends ReadName> = (input: Reads[K]['input']) => Promise<Reads[K]['result']>;

/** Each read goes to its container's host, or asks every live host (ps, image ls). */
const SERVE: { [K in ReadName]: Serve<K> } = {
  inspect: (input) => onHosts.inspect(input),
  list: (input) => onHosts.list(input),
  events: (input) => onHosts.events(input),
  logs: (input) => onHosts.logs(input),
  imageList: () => onHosts.imageList(),
  execOutput: (input) => onHosts.execOutput(input),
  hosts: () => onHosts.hosts(),
  volumeList: (input) => listOnHosts(input),
  volumeInspect: (input) => inspectOnHosts(input),
  networkList: () => networkList(),
  networkInspect: (input) => networkInspect(input),
  top: (input) => top(input),
  diskUsage: () => diskUsage(),
};

const DESCRIPTIONS: { [K in ReadName]: string } = {
  inspect: 'docker inspect: one container by name, full ID or unique ID prefix',
  list: 'docker ps: running containers, or all',
  events: 'one page of events after a cursor',
  logs: "one bounded page of a container's output",
  imageList: 'docker image ls',
  execOutput: "one bounded page of an exec's stdout and stderr",
  hosts: 'host ls: the registered hosts, live or not, with their counts',
  volumeList: 'docker volume ls: every live host, or one',
  volumeInspect: 'docker volume inspect: the volume on the first host that has it',
  networkList: "docker network ls: every live host's networks, with the containers on them",
  networkInspect: 'docker network inspect: one network by name, full ID or unique ID prefix',
  top: "docker top: ps on the container's host, its processes' rows",
  diskUsage: "docker system df: every live host's images, containers and volumes with their sizes",
};

/**
 * Each read's input is checked as its one-run-per-read workflow checks it (common/input-check.ts): a malformed
 * one is refused (InvalidParameter, 400) by the Update's validator, before it reaches history.
 */
const CHECKED_AS: { [K in ReadName]: CheckedWorkflow | undefined } = {
  inspect: 'containerInspect',
  list: 'containerList',
  events: 'containerEvents',
  logs: 'containerLogs',
  imageList: undefined, // takes `{}`
  execOutput: 'containerExecOutput',
  hosts: undefined, // takes `{}`
  volumeList: 'volumeList',
  volumeInspect: 'volumeInspect',
  networkList: undefined, // takes `{}`
  networkInspect: 'networkInspect',
  top: 'containerTop',
  diskUsage: undefined, // takes `{}`
};

function checkRead(name: ReadName, input: unknown): void {
  const type = CHECKED_AS[name];
  if (type) return checkInput(type, input);
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) return;
  throw ApplicationFailure.create({
    type: ErrorTypes.InvalidParameter,
    message: `invalid input: ${name} takes an object`,
    nonRetryable: true,
  });
}

export async function containerReads(input: ReadsInput = {}): Promise<void> {
  checkInput('containerReads', input);
  const maxEvents = input.maxEvents ?? READS_MAX_EVENTS;
  const maxBytes = input.maxBytes ?? READS_MAX_BYTES;
  const served: ReadsServed = { ...input.served };
  // Once the run is due to continue as new it takes no more reads (clients send them again, to the new run):
  // with readers that always have one in flight, waiting for all handlers to finish would never end.
  let continuing = false;
  const validator = (name: ReadName) => (arg: unknown) => {
    if (continuing)
      throw ApplicationFailure.create({
        type: READS_CONTINUING,
        message: 'the reads workflow is continuing as new: send the read again',
        nonRetryable: true,
      });
    checkRead(name, arg);
  };

  const serve = <K extends ReadName>(name: K) =>
    setHandler(
      defineUpdate<Reads[K]['result'], [Reads[K]['input']]>(name),
      async (arg) => {
        try {
          return await surfaced(() => SERVE[name](arg));
        } finally {
          served[name] = (served[name] ?? 0) + 1;
        }
      },
      { validator: validator(name), description: DESCRIPTIONS[name] },
    );
  serve('inspect');
  serve('list');
  serve('events');
  serve('logs');
  serve('imageList');
  serve('execOutput');
  serve('hosts');
  serve('volumeList');
  serve('volumeInspect');
  serve('networkList');
  serve('networkInspect');
  serve('top');
  serve('diskUsage');
  setHandler(defineQuery<ReadsServed>(SERVED_QUERY), () => served, {
    description: 'reads served, by kind, over all runs',
  });

  await condition(() => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= maxEvents || info.historySize >= maxBytes;
  });
  continuing = true;
  await condition(allHandlersFinished);
  await makeContinueAsNewFunc<typeof containerReads>({ memo: baselineMemo() })({ ...input, served });
}
