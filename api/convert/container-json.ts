import { memorySwapOf } from '../../common/resources';
import { DEFAULT_PATH_ENV, parseLink } from '../../common/env';
import { DEFAULT_SHM_SIZE, type ContainerRecord, type HostConfig } from '../../common/types';
import { defaultBridgeAddress, mountsOf, networksOf } from './container-net';
import { runningPorts } from '../../common/ports';

/**
 * A container record → GET /containers/{id}/json (Docker's ContainerJSON). The record already has Docker's
 * names for what container-saga keeps; the fields it does not keep are there at the value Docker shows for
 * them unused, so templates (`{{.State.Pid}}`, `{{.NetworkSettings.IPAddress}}`, `{{.HostConfig.…}}`) work.
 * What is container-saga's own (the start claim, event keys, leftovers, internal marks) is left out; the host
 * is Docker's `Node` (classic Swarm's), ID and Name.
 */
export function inspectJson(rec: ContainerRecord) {
  const st = rec.State;
  return {
    Id: rec.Id,
    Created: rec.Created,
    Path: rec.Path,
    Args: rec.Args,
    State: {
      Status: st.Status,
      Running: st.Running,
      Paused: st.Paused,
      Restarting: st.Restarting,
      OOMKilled: st.OOMKilled ?? false,
      Dead: st.Dead,
      Pid: st.Pid,
      ExitCode: st.ExitCode,
      Error: st.Error,
      StartedAt: st.StartedAt,
      FinishedAt: st.FinishedAt,
    },
    Image: rec.Image ?? '',
    ResolvConfPath: '',
    HostnamePath: '',
    HostsPath: '',
    LogPath: '',
    // Docker's ContainerJSON field (classic Swarm filled it): the host the container belongs to
    ...(rec.Node ? { Node: { ID: rec.Node.ID, Name: rec.Node.Name } } : {}),
    Name: rec.Name,
    RestartCount: rec.RestartCount ?? 0,
    Driver: 'overlay',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: rec.ExecIDs && rec.ExecIDs.length > 0 ? rec.ExecIDs : null,
    HostConfig: hostConfigJson(rec),
    GraphDriver: { Data: null, Name: 'overlay' },
    Mounts: mountsOf(rec),
    Config: configJson(rec),
    NetworkSettings: networkSettingsJson(rec),
  };
}

/**
 * Config as Docker shows it (nulls where its Go fields are nil). Records from before image configs had no PATH
 * of their own: Docker's default is shown first (create now stores it, common/merge-config.ts).
 */
function configJson(rec: ContainerRecord) {
  const c = rec.Config;
  const exposed = c.ExposedPorts ?? {};
  return {
    Hostname: c.Hostname,
    Domainname: c.Domainname ?? '',
    User: c.User ?? '',
    AttachStdin: c.AttachStdin ?? false,
    AttachStdout: false,
    AttachStderr: false,
    ...(Object.keys(exposed).length > 0 ? { ExposedPorts: exposed } : {}),
    Tty: c.Tty,
    OpenStdin: c.OpenStdin ?? false,
    StdinOnce: c.StdinOnce ?? false,
    Env: c.Env.some((e) => e.startsWith('PATH=')) ? c.Env : [DEFAULT_PATH_ENV, ...c.Env],
    Cmd: c.Cmd.length > 0 ? c.Cmd : null,
    ...(c.Healthcheck ? { Healthcheck: c.Healthcheck } : {}),
    Image: c.Image,
    Volumes: c.Volumes ?? null,
    WorkingDir: c.WorkingDir,
    Entrypoint: c.Entrypoint ?? null,
    OnBuild: null,
    Labels: c.Labels ?? {},
    ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
  };
}

/** Links as Docker shows them: "/db:/web/alias". */
function linksJson(rec: ContainerRecord): string[] | null {
  if (rec.HostConfig.Links.length === 0) return null;
  return rec.HostConfig.Links.map((l) => {
    const { name, alias } = parseLink(l);
    return `/${name}:${rec.Name}/${alias}`;
  });
}

function hostConfigJson(rec: ContainerRecord) {
  const hc: HostConfig = rec.HostConfig;
  return {
    Binds: hc.Binds.length > 0 ? hc.Binds : null,
    ContainerIDFile: '',
    LogConfig: hc.LogConfig,
    NetworkMode: hc.NetworkMode || 'default',
    PortBindings: hc.PortBindings ?? {},
    RestartPolicy: hc.RestartPolicy,
    AutoRemove: hc.AutoRemove ?? false,
    VolumeDriver: '',
    VolumesFrom: null,
    CapAdd: hc.CapAdd && hc.CapAdd.length > 0 ? hc.CapAdd : null,
    CapDrop: hc.CapDrop && hc.CapDrop.length > 0 ? hc.CapDrop : null,
    // records from before the mode was recorded run in the host's
    CgroupnsMode: hc.CgroupnsMode || 'host',
    Dns: hc.Dns ?? [],
    DnsOptions: hc.DnsOptions ?? [],
    DnsSearch: hc.DnsSearch ?? [],
    ExtraHosts: hc.ExtraHosts?.length ? hc.ExtraHosts : null,
    GroupAdd: null,
    IpcMode: hc.IpcMode || 'private',
    Cgroup: '',
    Links: linksJson(rec),
    OomScoreAdj: hc.OomScoreAdj ?? 0,
    PidMode: '',
    Privileged: hc.Privileged ?? false,
    PublishAllPorts: hc.PublishAllPorts ?? false,
    ReadonlyRootfs: hc.ReadonlyRootfs,
    SecurityOpt: hc.SecurityOpt.length > 0 ? hc.SecurityOpt : null,
    ...(Object.keys(hc.Tmpfs).length > 0 ? { Tmpfs: hc.Tmpfs } : {}),
    UTSMode: '',
    UsernsMode: '',
    ShmSize: hc.ShmSize || DEFAULT_SHM_SIZE,
    ConsoleSize: [0, 0],
    Isolation: '',
    CpuShares: 0,
    Memory: hc.Memory,
    NanoCpus: hc.NanoCpus,
    CgroupParent: '',
    BlkioWeight: 0,
    BlkioWeightDevice: null,
    BlkioDeviceReadBps: null,
    BlkioDeviceWriteBps: null,
    BlkioDeviceReadIOps: null,
    BlkioDeviceWriteIOps: null,
    CpuPeriod: 0,
    CpuQuota: 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: '',
    CpusetMems: '',
    Devices: null,
    DeviceCgroupRules: null,
    DeviceRequests: null,
    KernelMemory: 0,
    KernelMemoryTCP: 0,
    MemoryReservation: 0,
    MemorySwap: hc.MemorySwap || memorySwapOf(hc) || 0,
    MemorySwappiness: null,
    OomKillDisable: hc.OomKillDisable ?? false,
    PidsLimit: hc.PidsLimit || null,
    Ulimits: hc.Ulimits && hc.Ulimits.length > 0 ? hc.Ulimits : null,
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    MaskedPaths: null,
    ReadonlyPaths: null,
  };
}

function networkSettingsJson(rec: ContainerRecord) {
  const ns = rec.NetworkSettings;
  const top = defaultBridgeAddress(rec);
  return {
    Bridge: '',
    SandboxID: '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: runningPorts(rec),
    SandboxKey: ns.SandboxKey,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: top.EndpointID,
    Gateway: top.Gateway,
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: top.IPAddress,
    IPPrefixLen: top.IPPrefixLen,
    IPv6Gateway: '',
    MacAddress: top.MacAddress,
    Networks: networksOf(rec),
  };
}
