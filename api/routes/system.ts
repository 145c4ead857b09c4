import os from 'node:os';
import { imageList, list } from '../../client/api';
import { productVersion } from '../../config/version';
import { hostArchitecture } from '../../images/platform';
import type { Route } from '../router';
import { API_VERSION, MIN_API_VERSION } from '../version';

/** `/_ping`, `/version` and `/info`: what clients ask first, to negotiate the version and describe the daemon. */

const VERSION = productVersion();

function engineVersion() {
  return {
    Version: VERSION,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: 'container-saga',
    GoVersion: `node ${process.version}`,
    Os: 'linux',
    Arch: hostArchitecture(),
    KernelVersion: os.release(),
    BuildTime: '',
    Experimental: false,
  };
}

export const systemRoutes: Route[] = [
  {
    method: 'GET',
    path: '/_ping',
    handler: async (_ctx, r, out) => {
      if (r.method === 'HEAD') out.empty(200);
      else out.text(200, 'OK');
    },
  },
  {
    method: 'GET',
    path: '/version',
    handler: async (_ctx, _r, out) => {
      const v = engineVersion();
      out.json(200, {
        Platform: { Name: 'container-saga' },
        Components: [
          {
            Name: 'Engine',
            Version: v.Version,
            Details: {
              ApiVersion: v.ApiVersion,
              MinAPIVersion: v.MinAPIVersion,
              GitCommit: v.GitCommit,
              GoVersion: v.GoVersion,
              Os: v.Os,
              Arch: v.Arch,
              KernelVersion: v.KernelVersion,
            },
          },
        ],
        ...v,
      });
    },
  },
  {
    method: 'GET',
    path: '/info',
    handler: async (ctx, _r, out) => {
      const s = await ctx.session();
      const [containers, images] = await Promise.all([list(s, true), imageList(s)]);
      const count = (status: string) => containers.filter((c) => c.State.Status === status).length;
      const v = engineVersion();
      out.json(200, {
        ID: `container-saga:${s.namespace}/${s.taskQueue}`,
        Containers: containers.length,
        ContainersRunning: count('running') + count('restarting'),
        ContainersPaused: count('paused'),
        ContainersStopped: containers.length - count('running') - count('restarting') - count('paused'),
        Images: images.length,
        Driver: 'overlay',
        DriverStatus: [],
        Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: ['json-file'] },
        MemoryLimit: true,
        SwapLimit: false,
        CpuCfsPeriod: true,
        CpuCfsQuota: true,
        PidsLimit: true,
        IPv4Forwarding: true,
        Debug: false,
        NFd: 0,
        NGoroutines: 0,
        SystemTime: new Date().toISOString(),
        LoggingDriver: 'json-file',
        CgroupDriver: 'cgroupfs',
        NEventsListener: 0,
        KernelVersion: v.KernelVersion,
        OperatingSystem: `container-saga on ${os.type()}`,
        OSVersion: '',
        OSType: 'linux',
        Architecture: os.machine(),
        IndexServerAddress: '',
        RegistryConfig: {
          AllowNondistributableArtifactsCIDRs: [],
          AllowNondistributableArtifactsHostnames: [],
          InsecureRegistryCIDRs: [],
          IndexConfigs: {},
          Mirrors: [],
        },
        NCPU: os.cpus().length,
        MemTotal: os.totalmem(),
        GenericResources: null,
        DockerRootDir: '',
        Name: os.hostname(),
        Labels: [
          `com.container-saga.temporal=${s.address}`,
          `com.container-saga.namespace=${s.namespace}`,
          `com.container-saga.task-queue=${s.taskQueue}`,
        ],
        ExperimentalBuild: false,
        ServerVersion: v.Version,
        Runtimes: { runc: { path: 'runc' } },
        DefaultRuntime: 'runc',
        Swarm: {
          NodeID: '',
          NodeAddr: '',
          LocalNodeState: 'inactive',
          ControlAvailable: false,
          Error: '',
          RemoteManagers: null,
        },
        // The containers outlive the worker and the API server: what Docker calls live restore.
        LiveRestoreEnabled: true,
        Isolation: '',
        InitBinary: '',
        SecurityOptions: [],
        Warnings: [],
      });
    },
  },
];
