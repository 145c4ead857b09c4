import { rootfsPropagation } from './propagation';
import { readMountInfo } from './mountinfo';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError } from '../../../common/errors';
import { toOciSeccomp } from '../../../common/seccomp';
import type { IdRange } from '../../../config/userns-remap';
import type { SpecPlan } from '../../driver';
import { seccompTarget } from '../../seccomp-target';
import { netnsName, netnsPath, type Layout } from '../layout';
import { containerResolvConf, readHostResolvConf } from '../../resolv-conf';
import { hostnameFile, hostsFile } from './etc-files';
import { writeFileReplace } from './files';
import { hostCapabilities } from './host-caps';
import { hostDevices } from './host-devices';
import { buildSpec, type IpcSetup } from './spec';
import { stdioFile, type StdioSettings } from './conmon-start';

/**
 * The spec step's system work: the container's OCI bundle (config.json from spec.ts, and the hostname, hosts
 * and resolv.conf files it binds), from the plan runtime/steps/spec.ts resolved, in the paths layout.ts names.
 */
export async function writeBundle(layout: Layout, id: string, plan: SpecPlan, remap?: IdRange): Promise<void> {
  const bundle = layout.bundle(id);
  const netnsOf = {
    own: () => netnsPath(netnsName(id)),
    host: () => undefined,
    join: () => (plan.network as { sandboxKey: string }).sandboxKey,
  };
  const etc = {
    hostname: path.join(bundle, 'hostname'),
    hosts: path.join(bundle, 'hosts'),
    resolvConf: path.join(bundle, 'resolv.conf'),
  };
  // what the host cannot grant, no container gets (a privileged one: every capability the host has)
  const host = hostCapabilities();
  const capabilities = plan.capabilities.filter((c) => host.has(c));
  const spec = buildSpec({
    id,
    args: plan.args,
    env: plan.env,
    user: plan.user,
    cwd: plan.cwd,
    hostname: plan.hostname,
    terminal: plan.tty,
    domainname: plan.domainname,
    rootfs: layout.rootfs(id),
    readonlyRootfs: plan.readonlyRootfs,
    noNewPrivileges: plan.noNewPrivileges,
    capabilities,
    seccomp: plan.seccomp ? toOciSeccomp(plan.seccomp, seccompTarget(capabilities)) : undefined,
    privileged: plan.privileged,
    devices: plan.privileged ? await hostDevices() : [...(plan.devices ?? [])],
    deviceRules: plan.privileged
      ? []
      : (plan.devices ?? []).map((d) => ({
          allow: true,
          type: d.type,
          major: d.major,
          minor: d.minor,
          access: d.access,
        })),
    netnsPath: netnsOf[plan.network.kind](),
    ipc: ipcSetup(layout, id, plan.ipc),
    etc,
    volumes: plan.volumes,
    // only a bind that asks for propagation reads the host's mount table
    rootfsPropagation: plan.volumes.some((v) => v.propagation)
      ? rootfsPropagation(plan.volumes, await readMountInfo())
      : undefined,
    memory: plan.memory,
    nanoCpus: plan.nanoCpus,
    pidsLimit: plan.pidsLimit,
    cpuShares: plan.cpuShares,
    memorySwap: plan.memorySwap,
    oomKillDisable: plan.oomKillDisable,
    rlimits: plan.ulimits.map((u) => ({
      type: `RLIMIT_${u.Name.toUpperCase()}`,
      soft: rlim(u.Soft),
      hard: rlim(u.Hard),
    })),
    oomScoreAdj: plan.oomScoreAdj,
    cgroupns: plan.cgroupns === 'private',
    appArmorProfile: plan.appArmorProfile,
    cgroupsPath: layout.cgroupsPath(id),
    ...(remap ? { userns: { ...remap, path: await usernsOf(layout, id, plan) } } : {}),
  });
  await fs.mkdir(bundle, { recursive: true, mode: 0o700 });
  const hostResolv = await readHostResolvConf();
  // Written before the process starts (a rename is fine then); once it runs, the bind mounts pin these inodes,
  // so whatever updates them later rewrites them in place.
  await Promise.all([
    writeFileReplace(etc.hostname, hostnameFile(plan.hostname)),
    writeFileReplace(etc.hosts, hostsFile(plan.hostname, plan.ipAddress, plan.extraHosts, plan.domainname)),
    writeFileReplace(etc.resolvConf, containerResolvConf(hostResolv, plan.dns, plan.network.kind === 'host')),
  ]);
  // the container's root owns its /etc files (runc opens the sources before entering the namespace)
  if (remap) await Promise.all(Object.values(etc).map((f) => fs.chown(f, remap.uid, remap.gid)));
  // 0600: the spec holds the container's environment
  await writeFileReplace(path.join(bundle, 'config.json'), `${specJson(spec)}\n`, 0o600);
  const stdin = plan.stdin ?? { open: false, once: false };
  // StdinOnce closes stdin when the client's ends, never with a TTY (moby's CopyStreams): a detach from
  // `docker run -it` leaves the shell's terminal to the next attach
  const leaveStdinOpen = stdin.open && (!stdin.once || plan.tty);
  const stdio: StdioSettings = { terminal: plan.tty, stdin: stdin.open, leaveStdinOpen };
  await writeFileReplace(stdioFile(layout, id), `${JSON.stringify(stdio)}\n`, 0o600);
}

/**
 * The user namespace that owns the netns the container gets: its own netns's (network.ts), or the peer's for
 * container:X, found through the netns's ownership marker (Docker shares the peer's user namespace too).
 */
async function usernsOf(layout: Layout, id: string, plan: SpecPlan): Promise<string> {
  if (plan.network.kind !== 'join') return layout.userns(id);
  const marker = layout.netnsMarker(path.basename(plan.network.sandboxKey));
  const peer = (await fs.readFile(marker, 'utf8').catch(() => '')).trim();
  if (!peer) throw new ContainerError('Conflict', `the network namespace ${plan.network.sandboxKey} has no owner`);
  return layout.userns(peer);
}

/**
 * Docker's -1 is Go's uint64(-1), RLIM_INFINITY: 2^64-1 in runc's JSON, which no JavaScript number holds
 * exactly, so a marker string stands for it until the spec is written out.
 */
const RLIM_INFINITY = 'RLIM_INFINITY';
const rlim = (n: number): number | typeof RLIM_INFINITY => (n === -1 ? RLIM_INFINITY : n);
const specJson = (spec: unknown): string =>
  JSON.stringify(spec, null, 2).replace(/: "RLIM_INFINITY"/g, ': 18446744073709551615');

/** The plan's IPC choice as paths: the container's own shm, a peer's, or the host's. */
function ipcSetup(layout: Layout, id: string, ipc: SpecPlan['ipc']): IpcSetup {
  if (ipc.kind === 'private') return { kind: 'private', shm: layout.shm(id) };
  if (ipc.kind !== 'join') return ipc;
  const shm = ipc.shm === 'host' ? '/dev/shm' : ipc.shm ? layout.shm(ipc.shm.container) : undefined;
  return { kind: 'join', nsPath: `/proc/${ipc.pid}/ns/ipc`, shm };
}
