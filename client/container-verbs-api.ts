import { WorkflowTypes } from '../common/names';
import type { ContainerPruneInput } from '../common/container-verbs-api';
import { plainMetadata } from '../common/workflow-metadata';
// Types only: the workflows run in the worker's sandbox and are started by registered name.
import type { containerPrune, containerRename } from '../workflows/container-verbs';
import { run } from './api';
import type { Session } from './connection';
import { read } from './reads';

/** rename and container prune (workflows), top and system df (reads): nothing here prints. */

/** docker rename CONTAINER NEW_NAME */
export const rename = (s: Session, container: string, name: string) =>
  run<typeof containerRename>(
    s,
    WorkflowTypes.rename,
    { args: [{ container, name }] },
    { meta: plainMetadata('rename', container, [['new name', name]]) },
  );

/** docker top CONTAINER [ps OPTIONS] (a read: ps runs on the container's host) */
export const top = (s: Session, container: string, psArgs?: string) =>
  read(s, 'top', psArgs === undefined ? { container } : { container, psArgs });

/** docker container prune */
export const pruneContainers = (s: Session, input: ContainerPruneInput) =>
  run<typeof containerPrune>(
    s,
    WorkflowTypes.containerPrune,
    { args: [input] },
    { meta: plainMetadata('container prune', input.host, [['host', input.host ?? 'every live host']]) },
  );

/** docker system df (a read of every live host) */
export const diskUsage = (s: Session) => read(s, 'diskUsage', {});
