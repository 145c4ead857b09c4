import type { DiskUsageResult, TopInput, TopResult } from '../common/container-verbs-api';
import { locate, onHost } from './host-routing';
import { onEveryHost } from './host-verbs';
import { fast, lifecycle } from './options';

/**
 * The reads of issue 27's everyday verbs, served by the reads workflow (reads.ts): top on the container's host,
 * system df on every live host. Not workflows themselves: workflows/index.ts does not export this module.
 */

/** docker top: ps runs on the container's host, where its processes are. */
export async function top(input: TopInput): Promise<TopResult> {
  const at = await locate(input.container);
  return onHost(at.host, fast).topContainer(input);
}

/** docker system df: every live host's images, containers and volumes (a host gone meanwhile is left out). */
export async function diskUsage(): Promise<DiskUsageResult> {
  // sizes are directory walks: the lifecycle options' heartbeat, not fast's 10 s
  const all = await onEveryHost(lifecycle, (acts) => acts.diskUsage());
  return {
    layersSize: all.reduce((n, a) => n + a.answer.layersSize, 0),
    images: all.flatMap((a) => a.answer.images),
    containers: all.flatMap((a) => a.answer.containers),
    volumes: all.flatMap((a) => a.answer.volumes),
  };
}
