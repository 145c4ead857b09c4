import path from 'node:path';

/**
 * Where every resource of the Linux driver lives, derived from the state root and the container ID only, so
 * a retry, a restarted worker or a sweep finds what an earlier attempt left:
 *
 *   <root>/containers/<id>/rootfs        overlay mount point (lowers = the image's layers)
 *   <root>/containers/<id>/upper, work   the overlay's writable layer and its work dir
 *   <root>/containers/<id>/shm           tmpfs bound at /dev/shm
 *   <root>/containers/<id>/bundle        OCI bundle: config.json, hostname, hosts, resolv.conf
 *   <root>/containers/<id>/cni-<net>.json  a CNI attachment: config, interface, ADD result (DEL's prevResult)
 *   <root>/containers/<id>/exec.json     exec record (shim pid, container pid)
 *   <root>/containers/<id>/pid           container pid (written by runc --pid-file)
 *   <root>/containers/<id>/exit-code     exit status of the last run (written by the shim)
 *   <root>/containers/<id>/attempt       token of the current start attempt (the shim checks it)
 *   <root>/containers/<id>/container.log stdout + stderr of the container
 *   <root>/containers/<id>/runc.log      runc's own log (json), where start errors are read from
 *   <root>/containers/<id>/runc-events.json  `runc events` while it runs: an OOM kill shows there
 *   <root>/containers/<id>/ports.json   published ports: each proxy's pid and start time (linux/ports.ts)
 *   <root>/containers/<id>/ports.log    the proxies' errors
 *   <root>/containers/<id>/userns        USERNS_REMAP only: its user namespace (nsfs bind), owner of its netns
 *   <root>/runc                          runc --root; the runc container ID is the container ID
 *   <root>/cni/ipam                      host-local IPAM dataDir; the CNI container ID is the container ID
 *   <root>/netns/<name>                  ownership marker of a netns this root created (content: full ID)
 *   <root>/faults/<id>/<point>.json      fault injection's counters (runtime/faults.ts), removed with the container
 *   <root>/images/<name>/rootfs, image.json  images before layered storage (images/legacy.ts moves them)
 *   <root>/image-store/                  the host's images and their layers (images/store.ts)
 *   <root>/volumes/<name>/_data, volume.json  a named volume and its record (volumes/store.ts)
 */
export class Layout {
  readonly containers: string;
  readonly runcRoot: string;
  readonly ipamDir: string;
  readonly netnsMarkers: string;
  readonly images: string;
  readonly volumes: string;

  constructor(readonly root: string) {
    this.containers = path.join(root, 'containers');
    this.runcRoot = path.join(root, 'runc');
    this.ipamDir = path.join(root, 'cni', 'ipam');
    this.netnsMarkers = path.join(root, 'netns');
    this.images = path.join(root, 'images');
    this.volumes = path.join(root, 'volumes');
  }

  container(id: string): string {
    return path.join(this.containers, id);
  }
  rootfs(id: string): string {
    return path.join(this.container(id), 'rootfs');
  }
  upper(id: string): string {
    return path.join(this.container(id), 'upper');
  }
  work(id: string): string {
    return path.join(this.container(id), 'work');
  }
  shm(id: string): string {
    return path.join(this.container(id), 'shm');
  }
  bundle(id: string): string {
    return path.join(this.container(id), 'bundle');
  }
  /** the default bridge's ADD result of records from before user networks */
  cniResult(id: string): string {
    return path.join(this.container(id), 'cni-result.json');
  }
  /** one CNI attachment: the network's config, the interface, the ADD's result */
  cniAttachment(id: string, cniName: string): string {
    return path.join(this.container(id), `cni-${cniName}.json`);
  }
  execRecord(id: string): string {
    return path.join(this.container(id), 'exec.json');
  }
  pidFile(id: string): string {
    return path.join(this.container(id), 'pid');
  }
  exitFile(id: string): string {
    return path.join(this.container(id), 'exit-code');
  }
  attemptFile(id: string): string {
    return path.join(this.container(id), 'attempt');
  }
  log(id: string): string {
    return path.join(this.container(id), 'container.log');
  }
  runcLog(id: string): string {
    return path.join(this.container(id), 'runc.log');
  }
  /** `runc events` of the running container (the OOM killer's notices), written by the shim */
  runcEvents(id: string): string {
    return path.join(this.container(id), 'runc-events.json');
  }
  /** the user namespace (an nsfs bind mount) that owns the container's netns, under CONTAINER_SAGA_USERNS_REMAP */
  userns(id: string): string {
    return path.join(this.container(id), 'userns');
  }
  /** the published ports' proxies (pid + start time each), what release reads after a worker's death */
  portsRecord(id: string): string {
    return path.join(this.container(id), 'ports.json');
  }
  portsLog(id: string): string {
    return path.join(this.container(id), 'ports.log');
  }
  /**
   * conmon's attach sockets: conmon links `<attachDir>/<cuuid>` to the bundle and listens on `attach` in it,
   * so the socket's path stays short (a unix socket's path is at most 107 bytes) whatever the root's length.
   */
  get attachDir(): string {
    return path.join(this.root, 'attach');
  }
  /** the container's conmon attach socket (SOCK_SEQPACKET): what a client writes there is the process's stdin */
  attachSocket(id: string): string {
    return path.join(this.attachDir, short(id), 'attach');
  }
  /** conmon's control fifo in the bundle: `1 <rows> <cols>\n` resizes the terminal, `2 0 0\n` reopens the log */
  ctlFifo(id: string): string {
    return path.join(this.bundle(id), 'ctl');
  }
  /** conmon's own pid (the per-container monitor process) */
  conmonPidFile(id: string): string {
    return path.join(this.container(id), 'conmon.pid');
  }
  /** conmon's persist dir: it writes `exit` (the status) and `oom` (the OOM killer struck) there */
  persistDir(id: string): string {
    return path.join(this.container(id), 'persist');
  }
  runcState(id: string): string {
    return path.join(this.runcRoot, id);
  }
  /** fault injection's counters of the container (runtime/faults.ts); a driver removes them with its files */
  faultCounters(id: string): string {
    return path.join(this.root, 'faults', id);
  }
  netnsMarker(name: string): string {
    return path.join(this.netnsMarkers, name);
  }
  volume(name: string): string {
    return path.join(this.volumes, name, '_data');
  }
  /** runc's cgroup path (cgroupfs driver): one cgroup per container under a project parent. */
  cgroupsPath(id: string): string {
    return `/container-saga/${id}`;
  }
}

/** Named network namespaces live in iproute2's directory, so `ip netns` sees them. */
export const NETNS_DIR = '/run/netns';

/**
 * The container's network namespace: `cs-` + the first 12 hex digits of its ID (Docker's short ID), as a
 * named netns under /run/netns (`ip netns list` shows it). Derived from the ID, so a retry or sweep finds it.
 */
export function netnsName(id: string): string {
  return `cs-${id.slice(0, 12)}`;
}

export function netnsPath(name: string): string {
  return path.join(NETNS_DIR, name);
}

/** Short form of an ID for messages. */
export function short(id: string): string {
  return id.slice(0, 12);
}
