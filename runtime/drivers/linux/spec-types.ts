import type { OciSeccomp } from '../../../common/seccomp';
import type { OciDeviceRule } from './device-nodes';

/** The OCI runtime spec's parts (config.json) that spec.ts builds. */

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

export interface OciNamespace {
  type: 'pid' | 'network' | 'ipc' | 'uts' | 'mount' | 'cgroup' | 'user';
  path?: string;
}

/** A device node runc creates in the container's /dev (a privileged container gets the host's). */
export interface OciDevice {
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

/** An rlimit (RLIMIT_NOFILE…); 'RLIM_INFINITY' is written as 2^64-1 (bundle.ts). */
export interface OciRlimit {
  type: string;
  soft: number | 'RLIM_INFINITY';
  hard: number | 'RLIM_INFINITY';
}

export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
    noNewPrivileges: boolean;
    rlimits?: OciRlimit[];
    oomScoreAdj?: number;
    apparmorProfile?: string;
  };
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  annotations: Record<string, string>;
  linux: {
    rootfsPropagation?: string;
    namespaces: OciNamespace[];
    cgroupsPath: string;
    devices?: OciDevice[];
    resources: {
      devices: OciDeviceRule[];
      memory?: { limit?: number; swap?: number; disableOOMKiller?: boolean };
      cpu?: { quota?: number; period?: number; shares?: number };
      pids?: { limit: number };
    };
    maskedPaths: string[];
    readonlyPaths: string[];
    seccomp?: OciSeccomp;
    sysctl?: Record<string, string>;
    uidMappings?: OciIdMapping[];
    gidMappings?: OciIdMapping[];
  };
}

export interface OciIdMapping {
  containerID: number;
  hostID: number;
  size: number;
}
