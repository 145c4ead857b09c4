import type { ActivityOptions } from '@temporalio/workflow';
import type {
  ContainerArchiveInput,
  ContainerArchiveResult,
  ContainerChange,
  ContainerChangesInput,
  ContainerCommitInput,
  ContainerCommitResult,
} from '../common/archive-api';
import { checkInput, surfaced } from './failures';
import { locate, onHost } from './host-routing';
import { fast } from './options';

/**
 * cp (the archive endpoints), export, diff and commit: one activity on the container's host. A tar is a spool file
 * of that host's machine, named by its path (bytes never go through Temporal: docs/design.md "Container
 * archives"); a container on another host than the spool's is answered `elsewhere`, nothing done. New workflow
 * types, so no patch.
 */

/** A copy can be gigabytes: room for it, heartbeats to notice a worker gone. */
const copying: ActivityOptions = {
  startToCloseTimeout: '2h',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3 },
};
/** A commit made twice would be two images: one attempt (its failure removes what it made). */
const committing: ActivityOptions = { ...copying, retry: { maximumAttempts: 1 } };

export function containerArchive(input: ContainerArchiveInput): Promise<ContainerArchiveResult> {
  checkInput('containerArchive', input);
  return surfaced(async () => {
    const at = await locate(input.container);
    if (input.host !== undefined && input.file !== undefined && at.host !== input.host) return { elsewhere: at.host };
    return { host: at.host, ...(await onHost(at.host, copying).containerArchiveOp(input)) };
  });
}

export function containerChanges(input: ContainerChangesInput): Promise<ContainerChange[]> {
  checkInput('containerChanges', input);
  return surfaced(async () => onHost((await locate(input.container)).host, fast).containerChanges(input));
}

export function containerCommit(input: ContainerCommitInput): Promise<ContainerCommitResult> {
  checkInput('containerCommit', input);
  return surfaced(async () => onHost((await locate(input.container)).host, committing).commitContainer(input));
}
