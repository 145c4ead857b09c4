import type { ContainerSnapshot } from '../common/start-api';
import type { ContainerRecord } from '../common/types';

export function snapshotOf(rec: ContainerRecord): ContainerSnapshot {
  return {
    id: rec.Id,
    name: rec.Name.replace(/^\//, ''),
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
    hasMounts: rec.HostConfig.Binds.length > 0 || Object.keys(rec.HostConfig.Tmpfs).length > 0,
    // whose claim and whose run: a start that lost its local activities' results settles by them
    ...(rec.StartingBy ? { startingBy: rec.StartingBy } : {}),
    ...(rec.StartedBy ? { startedBy: rec.StartedBy } : {}),
    ...(rec.State.Running ? { pid: rec.State.Pid } : {}),
    ...(rec.NetworkSettings.IPAddress ? { ipAddress: rec.NetworkSettings.IPAddress } : {}),
  };
}
