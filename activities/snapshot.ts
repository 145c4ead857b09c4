import type { ContainerSnapshot } from '../common/start-api';
import type { ContainerRecord, StartOwner } from '../common/types';
import { bareName } from '../common/names';

/** The start saga's view of a container, as seen by the start run `by` (the activity's own workflow run). */
export function snapshotOf(rec: ContainerRecord, by: StartOwner): ContainerSnapshot {
  return {
    id: rec.Id,
    name: bareName(rec.Name),
    running: rec.State.Running,
    paused: rec.State.Paused,
    removing: rec.State.RemovalInProgress || rec.State.Dead,
    hostname: rec.Config.Hostname,
    tty: rec.Config.Tty,
    env: rec.Config.Env,
    networkMode: rec.HostConfig.NetworkMode,
    securityOpt: rec.HostConfig.SecurityOpt,
    ipcMode: rec.HostConfig.IpcMode,
    links: rec.HostConfig.Links,
    workingDir: rec.Config.WorkingDir,
    hasMounts:
      rec.HostConfig.Binds.length > 0 || Object.keys(rec.HostConfig.Tmpfs).length > 0 || !!rec.MountPoints?.length,
    ...(rec.HostConfig.AutoRemove ? { autoRemove: true } : {}),
    // what the asking start run holds: one that lost its local activities' results settles by these (decided
    // here, where the run is known for sure, and so recorded in history for every replay)
    ...(sameRun(rec.StartingBy, by) ? { claimedByThisRun: true } : {}),
    ...(sameRun(rec.StartedBy, by) ? { startedByThisRun: true } : {}),
    ...(rec.State.Running ? { pid: rec.State.Pid } : {}),
    ...(rec.NetworkSettings.IPAddress ? { ipAddress: rec.NetworkSettings.IPAddress } : {}),
  };
}

function sameRun(a: StartOwner | undefined, b: StartOwner): boolean {
  return a !== undefined && a.workflowId === b.workflowId && a.runId === b.runId;
}
