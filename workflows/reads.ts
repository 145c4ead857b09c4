import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { ErrorTypes } from '../common/errors';
import {
  READS_MAX_BYTES,
  READS_MAX_EVENTS,
  SERVED_QUERY,
  type ReadName,
  type Reads,
  type ReadsInput,
  type ReadsServed,
} from '../common/reads-api';
import { surfaced } from './failures';
import { fastLocal } from './options';

/**
 * The read path (docs/design.md): one long-lived workflow per task queue serves every read-only verb as an
 * Update, each running its read activity as a local activity on the worker that owns the state. A read thus
 * still goes only through Temporal, and its history is kept (here), but it starts no workflow run of its own.
 * A failed read fails its Update with the Docker type and message at the top level, as the one-run-per-read
 * workflows of ops.ts failed themselves. The run continues as new when its history grows past a bound, once
 * the reads in flight have finished; Updates that reach it meanwhile are retried by the server on the new run.
 */
const local = proxyLocalActivities<Activities>(fastLocal);

type Serve<K extends ReadName> = (input: Reads[K]['input']) => Promise<Reads[K]['result']>;

const SERVE: { [K in ReadName]: Serve<K> } = {
  inspect: (input) => local.inspectContainer(input),
  list: (input) => local.listContainers(input),
  events: (input) => local.readEvents(input),
  logs: (input) => local.readLogs(input),
  imageList: () => local.listImages(),
  execOutput: (input) => local.readExecOutput(input),
};

const DESCRIPTIONS: { [K in ReadName]: string } = {
  inspect: 'docker inspect: one container by name, full ID or unique ID prefix',
  list: 'docker ps: running containers, or all',
  events: 'one page of events after a cursor',
  logs: "one bounded page of a container's output",
  imageList: 'docker image ls',
  execOutput: "one bounded page of an exec's stdout and stderr",
};

/** A read's argument is one object; anything else is refused (400) before it reaches history. */
function oneObject(input: unknown): void {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) return;
  throw ApplicationFailure.create({ type: ErrorTypes.InvalidParameter, message: 'a read takes one object argument', nonRetryable: true });
}

export async function containerReads(input: ReadsInput = {}): Promise<void> {
  const maxEvents = input.maxEvents ?? READS_MAX_EVENTS;
  const maxBytes = input.maxBytes ?? READS_MAX_BYTES;
  const served: ReadsServed = { ...input.served };

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
      { validator: oneObject, description: DESCRIPTIONS[name] },
    );
  serve('inspect');
  serve('list');
  serve('events');
  serve('logs');
  serve('imageList');
  serve('execOutput');
  setHandler(defineQuery<ReadsServed>(SERVED_QUERY), () => served, { description: 'reads served, by kind, over all runs' });

  await condition(() => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= maxEvents || info.historySize >= maxBytes;
  });
  await condition(allHandlersFinished);
  await continueAsNew<typeof containerReads>({ ...input, served });
}
