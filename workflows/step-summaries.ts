import type { ContainerSnapshot } from '../common/start-api';

/**
 * The Web UI's one-line summary of each activity the start saga runs, from what is known before it runs
 * (the container's name and snapshot; an IP address or a pid is only known after). Compensations read
 * "compensate · …", so the timeline shows them apart from the steps they undo. User metadata is not part
 * of replay's command matching: changing a summary needs no patch.
 */
export interface SummaryContext {
  /** the container's name, or what the lookup is given */
  name: string;
  snap?: ContainerSnapshot;
}

const COMPENSATE = 'compensate · ';

type Summaries = Record<string, (name: string, snap: ContainerSnapshot | undefined) => string>;

const SUMMARIES: Summaries = {
  lookupContainer: (ref) => `look up ${ref}`,
  hostInfo: (n) => `read the host's OS for ${n}`,
  setHostConfig: (n) => `apply the legacy hostConfig to ${n}`,
  verifySettings: (n) => `verify the settings of ${n}`,
  claimStart: (n) => `claim ${n} for this start`,
  releaseStart: (n) => `release the start claim of ${n}`,
  linkedContainers: (n, c) => `resolve the links of ${n}${c?.links.length ? ` (${c.links.join(', ')})` : ''}`,
  mountRootfs: (n) => `mount the rootfs of ${n}`,
  connectNetwork: (n, c) => `prepare network (${c?.networkMode || 'bridge'}) for ${n}`,
  setupIpc: (n) => `mount /dev/shm for ${n}`,
  mountVolumes: (n) => `mount the volumes of ${n}`,
  setupWorkingDir: (n, c) => (c?.workingDir ? `create the working dir ${c.workingDir} in ${n}` : `create the working dir of ${n}`),
  writeSpec: (n) => `write the OCI spec of ${n}`,
  startProcess: (n) => `start the process of ${n}`,
  markRunning: (n) => `mark ${n} running, hand it to its monitor, release the start claim`,
  markFailed: (n) => `${COMPENSATE}record the error on ${n}`,
  unregisterProcess: (n) => `${COMPENSATE}kill and unregister the process of ${n}`,
  removeSpec: (n) => `${COMPENSATE}remove the OCI spec of ${n}`,
  unmountVolumes: (n) => `${COMPENSATE}unmount the volumes of ${n}`,
  releaseIpc: (n) => `${COMPENSATE}unmount /dev/shm of ${n}`,
  releaseNetwork: (n) => `${COMPENSATE}release the network of ${n}`,
  unmountRootfs: (n) => `${COMPENSATE}unmount the rootfs of ${n}`,
  finishFailed: (n) => `${COMPENSATE}record the exit and the die event of ${n}`,
  autoRemove: (n) => `${COMPENSATE}remove ${n} (AutoRemove)`,
};

/** The summary of `activity` for this container; an activity not listed is named with its container. */
export function stepSummary(activity: string, ctx: SummaryContext): string {
  const f = SUMMARIES[activity];
  return f ? f(ctx.name, ctx.snap) : `${activity} ${ctx.name}`;
}
