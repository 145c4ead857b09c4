import type { WorkflowHandle } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { ContainerError } from '../common/errors';
import { WorkflowTypes } from '../common/names';
import {
  PULL_PROGRESS_QUERY,
  pullWorkflowId,
  type LayerHeartbeat,
  type PullInput,
  type PullProgress,
  type PullResult,
} from '../common/pull-api';
import { plainMetadata } from '../common/workflow-metadata';
import { canonicalKey, parseRef } from '../images/refs';
import { parsePlatform } from '../registry/manifest';
import { RegistryError } from '../registry/errors';
import type { imagePull } from '../workflows/image-pull';
import type { Session } from './connection';
import { CliError, toCliError } from './errors';
import { ensureWorker } from './worker-check';
import { pollWhileRunning } from './poll-while-running';

/** The pull as a client watches it: the workflow's query, with the bytes each running layer has on disk. */
export interface PullView extends PullProgress {
  /** heartbeats of the layer activities running now, by blob digest */
  bytes: Record<string, LayerHeartbeat>;
}

export interface PullHooks {
  onProgress?: (view: PullView) => void;
}

/** At most 5 polls a second; queries and describe add nothing to the history. */
const POLL_MS = 200;

/** The checks a pull makes before anything is sent (Docker's 400 for a bad reference or platform). */
export function checkPullInput(input: PullInput): { key: string } {
  try {
    const key = canonicalKey(parseRef(input.reference));
    if (input.platform) parsePlatform(input.platform);
    return { key };
  } catch (err) {
    if (err instanceof ContainerError) throw new CliError(err.message, { type: err.type, status: err.status });
    if (err instanceof RegistryError) throw new CliError(err.message, { type: 'InvalidParameter', status: 400 });
    throw err;
  }
}

/**
 * docker pull: the pull workflow on every live host (or `input.host`), under an ID derived from the reference,
 * platform and host, so a second pull of the same image attaches to the one in flight. With onProgress, polls
 * its query and the layer activities' heartbeats while it runs.
 */
export async function pullImage(s: Session, input: PullInput, hooks: PullHooks = {}): Promise<PullResult> {
  const { key } = checkPullInput(input);
  let handle: WorkflowHandle<typeof imagePull>;
  try {
    await ensureWorker(s);
    handle = await s.client.workflow.start<typeof imagePull>(WorkflowTypes.imagePull, {
      taskQueue: s.taskQueue,
      workflowId: pullWorkflowId(input.platform ? `${key}#${input.platform}` : key, input.host),
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [input],
      ...plainMetadata('image pull', input.reference, [
        ['image', input.reference],
        ['host', input.host ?? 'every live host'],
      ]),
    });
  } catch (err) {
    throw toCliError(err, s.address);
  }
  const done = await pollWhileRunning(handle.result(), () => watch(s, handle), hooks.onProgress, POLL_MS);
  if (!done.ok) throw toCliError(done.error, s.address);
  // the layers' final states (a closed workflow still answers its query)
  const last = hooks.onProgress && (await watch(s, handle));
  if (last) hooks.onProgress?.(last);
  return done.value;
}

/** The query's answer and the running layers' heartbeats; undefined while neither can be read. */
async function watch(s: Session, handle: WorkflowHandle<typeof imagePull>): Promise<PullView | undefined> {
  try {
    const [progress, desc] = await Promise.all([handle.query<PullProgress>(PULL_PROGRESS_QUERY), handle.describe()]);
    const bytes: Record<string, LayerHeartbeat> = {};
    const converter = s.client.workflow.options.loadedDataConverter;
    for (const a of desc.raw.pendingActivities ?? []) {
      if (a.activityType?.name !== 'pullLayer' || !a.heartbeatDetails?.payloads?.length) continue;
      const [beat] = (await decodeArrayFromPayloads(converter, a.heartbeatDetails.payloads)) as [LayerHeartbeat?];
      if (beat?.digest) bytes[beat.digest] = beat;
    }
    return { ...progress, bytes };
  } catch {
    return undefined; // not started yet, or a worker restarting: this poll shows nothing
  }
}
