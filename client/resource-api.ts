import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowTypes } from '../common/names';
import { withPrevious, type DockerStats } from '../common/stats-api';
import type { UpdateResources, UpdateResult } from '../common/update-api';
import { summaryOf } from '../common/workflow-metadata';
import type { containerUpdate } from '../workflows/resource-verbs';
import { run } from './api';
import type { Session } from './connection';
import { read } from './reads';

/** The CLI's library for docker stats and docker update; nothing here prints. */

/** Docker's collector interval: one sample a second. */
export const STATS_INTERVAL_MS = 1000;

/** One sample of a container (a read of the reads workflow); `precpu_stats` empty. */
export const statsSample = (s: Session, container: string): Promise<DockerStats> => read(s, 'stats', { container });

/**
 * `--no-stream` without one-shot, as Docker's daemon answers it: two samples a second apart, the first as the
 * second's `precpu_stats`, so a CPU percentage can be computed from the one answer.
 */
export async function statsOnce(s: Session, container: string): Promise<DockerStats> {
  const first = await statsSample(s, container);
  if (first.read === '0001-01-01T00:00:00Z') return first;
  await sleep(STATS_INTERVAL_MS);
  return withPrevious(await statsSample(s, container), first);
}

/**
 * The samples of a stream after `first` (which the caller has sent), one a second, each with the previous one's
 * CPU; ends when `stopped` says so. A read that fails (the container was removed) rejects the next().
 */
export async function* statsStream(
  s: Session,
  first: DockerStats,
  stopped: () => boolean,
  wait: (ms: number) => Promise<unknown> = sleep,
): AsyncGenerator<DockerStats> {
  let previous = first;
  for (;;) {
    await wait(STATS_INTERVAL_MS);
    if (stopped()) return;
    previous = withPrevious(await statsSample(s, first.id), previous);
    yield previous;
  }
}

/** docker update of one container: a workflow (it changes the record and, running, the cgroup). */
export const update = (s: Session, container: string, resources: UpdateResources): Promise<UpdateResult> =>
  run<typeof containerUpdate>(
    s,
    WorkflowTypes.update,
    { args: [{ container, resources }] },
    {
      meta: {
        staticSummary: summaryOf('update', container, Object.keys(resources).join(', ')),
        staticDetails: '',
        typedSearchAttributes: [],
      },
    },
  );
