import {
  ActivityCancellationType,
  CancellationScope,
  defineQuery,
  setHandler,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import { ContainerError } from '../common/errors';
import {
  PULL_CONCURRENCY,
  PULL_PROGRESS_QUERY,
  type HostPullProgress,
  type HostPullResult,
  type PullInput,
  type PullLayer,
  type PullProgress,
  type PullResult,
} from '../common/pull-api';
import { checkInput, surfaced } from './failures';
import { hostViews, onHost } from './host-routing';
import { cleanup } from './options';

/**
 * docker pull as a workflow, on every live host (or the one named): per host, resolve (manifest, config, lease
 * before any layer byte), then each missing layer as its own activity, PULL_CONCURRENCY at a time, then the
 * image recorded and the lease released. A failure or cancellation releases the lease and collects what
 * nothing else holds (partial blobs, half-made layers). docs/design.md, "The pull".
 */

const waitForCancel = { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED };

/** The manifest and the config: small; a registry that does not answer is retried a few times. */
const resolveOptions: ActivityOptions = {
  ...waitForCancel,
  startToCloseTimeout: '2m',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '4s', maximumAttempts: 5 },
};

/**
 * A layer: as long as it takes while it heartbeats; a worker that dies is noticed after 5 s and the layer goes on
 * (resumed) on the host's next worker. An unreachable registry fails it after ~15 s of retries.
 */
const layerOptions: ActivityOptions = {
  ...waitForCancel,
  startToCloseTimeout: '2h',
  heartbeatTimeout: '5s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '4s', maximumAttempts: 6 },
};

const progressQuery = defineQuery<PullProgress>(PULL_PROGRESS_QUERY);

export async function imagePull(input: PullInput): Promise<PullResult> {
  checkInput('imagePull', input);
  const progress: PullProgress = { reference: input.reference, hosts: [] };
  setHandler(progressQuery, () => progress);
  return surfaced(async () => {
    const views = await hostViews();
    if (input.host && !views.some((h) => h.name === input.host))
      throw new ContainerError('NoSuchHost', `No such host: ${input.host}`);
    const hosts = input.host ? [input.host] : views.filter((h) => h.live).map((h) => h.name);
    if (hosts.length === 0) throw new ContainerError('HostUnavailable', 'no live host to pull the image on');
    const settled = await Promise.allSettled(hosts.sort().map((h) => pullOnHost(h, input, progress)));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return {
      reference: input.reference,
      hosts: settled.map((s) => (s as PromiseFulfilledResult<HostPullResult>).value),
    };
  });
}

async function pullOnHost(host: string, input: PullInput, progress: PullProgress): Promise<HostPullResult> {
  const entry: HostPullProgress = { host };
  progress.hosts.push(entry);
  const { workflowId, runId } = workflowInfo();
  const lease = `pull-${workflowId}-${runId}-${host}`;
  const { reference, auth } = input;
  try {
    const resolved = await onHost(host, resolveOptions).resolveImagePull({
      reference,
      lease,
      ...(input.platform ? { platform: input.platform } : {}),
      ...(auth ? { auth } : {}),
    });
    entry.resolved = resolved;
    const missing = resolved.layers.filter((l) => l.state !== 'already exists');
    await eachAtMost(PULL_CONCURRENCY, missing, async (layer: PullLayer) => {
      layer.state = 'downloading';
      const { state: _state, ...rest } = layer;
      await onHost(host, layerOptions).pullLayer({ reference, layer: rest, ...(auth ? { auth } : {}) });
      layer.state = 'complete';
    });
    const recorded = await onHost(host, resolveOptions).recordPulledImage({ resolved, lease });
    entry.status = recorded.status;
    return { host, ...recorded };
  } catch (err) {
    // compensation runs even when the pull was cancelled, and is not itself cancelled
    await CancellationScope.nonCancellable(() => onHost(host, cleanup).abandonPull({ lease }));
    throw err;
  }
}

/**
 * fn over items, at most `n` at once; after a failure no new item starts, and every started one settles before
 * the first failure is thrown (so the compensation never runs beside a layer still writing).
 */
async function eachAtMost<T>(n: number, items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const lane = async () => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      await fn(item).catch((err: unknown) => {
        failure ??= { err };
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, lane));
  if (failure) throw failure.err;
}
