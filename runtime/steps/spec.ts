import { confinementOf } from '../../common/confinement';
import { extraHostLines } from '../../common/dns-options';
import { needsOwnIpc, parseIpcMode, parseNetMode } from '../../common/net-mode';
import { memorySwapOf } from '../../common/resources';
import { parseSecurityOpts } from '../../common/security-opt';
import type { ContainerRecord } from '../../common/types';
import type { SpecIpc, SpecNetwork } from '../driver';
import { runningPeer } from './peers';
import { syncPeerHosts, userNetworkIds } from '../peer-hosts';
import type { StepEnv, StepImpl } from './types';
import { resolveBindSources } from '../bind-policy';
import { volumeMounts } from './volumes';
import { processUser, withHome } from './process-user';

/**
 * spec (Docker's populateCommand): everything the process needs, decided from the records — which
 * namespaces to join (a container:X peer must run), the user (from the rootfs's /etc/passwd), the security
 * options, the mounts — then written by the driver as the bundle. The environment and /etc/hosts lines for
 * links come from the workflow (HOME is added here, from the user's passwd entry, when it has none).
 */
export const spec: StepImpl<'spec'> = {
  async acquire(env, { id, env: processEnv, extraHosts }) {
    const rec = await env.store.get(id);
    const hc = rec.HostConfig;
    const { capabilities, seccomp, privileged, appArmorProfile } = confinementOf(hc);
    const user = await processUser(env, rec);
    await env.driver.writeSpec(id, {
      // Path and Args: the entrypoint and the command (records from before entrypoints: the command)
      args: rec.Path ? [rec.Path, ...rec.Args] : [],
      env: withHome(processEnv, user.home),
      user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
      cwd: rec.Config.WorkingDir,
      hostname: rec.Config.Hostname,
      tty: rec.Config.Tty,
      stdin: { open: rec.Config.OpenStdin === true, once: rec.Config.StdinOnce === true },
      readonlyRootfs: hc.ReadonlyRootfs,
      noNewPrivileges: parseSecurityOpts(hc.SecurityOpt).noNewPrivileges,
      capabilities,
      seccomp,
      privileged,
      network: await networkOf(env, rec),
      ipAddress: rec.NetworkSettings.IPAddress,
      extraHosts: [...extraHostLines(hc.ExtraHosts ?? [], gatewayOf(rec)), ...extraHosts],
      domainname: rec.Config.Domainname ?? '',
      dns: { servers: hc.Dns ?? [], search: hc.DnsSearch ?? [], options: hc.DnsOptions ?? [] },
      ipc: await ipcOf(env, rec),
      // resolved and checked here, where they enter the spec (runtime/bind-policy.ts)
      volumes: await resolveBindSources(
        volumeMounts(hc, (n) => env.driver.layout.volume(n)),
        env.bindAllow,
      ),
      memory: hc.Memory,
      nanoCpus: hc.NanoCpus,
      pidsLimit: hc.PidsLimit,
      memorySwap: memorySwapOf(hc),
      ulimits: hc.Ulimits ?? [],
      oomScoreAdj: hc.OomScoreAdj ?? 0,
      oomKillDisable: hc.OomKillDisable ?? false,
      // records from before the mode was recorded ran in the host's
      cgroupns: hc.CgroupnsMode === 'private' ? 'private' : 'host',
      appArmorProfile,
    });
    // the peers on its user-defined networks, which the file just written does not list yet
    if (userNetworkIds(rec).length > 0) await syncPeerHosts(env, [], id);
  },
  release: (env, id) => env.driver.removeSpec(id),
};

/** host-gateway's address: the default bridge's gateway, else that of the container's first network. */
function gatewayOf(rec: ContainerRecord): string {
  const s = rec.NetworkSettings;
  return s.Gateway || (Object.values(s.Networks ?? {}).find((e) => e.Gateway)?.Gateway ?? '');
}

async function networkOf(env: StepEnv, rec: ContainerRecord): Promise<SpecNetwork> {
  const mode = parseNetMode(rec.HostConfig.NetworkMode);
  if (mode?.kind === 'bridge' || mode?.kind === 'user' || mode?.kind === 'none') return { kind: 'own' };
  if (mode?.kind !== 'container') return { kind: 'host' };
  // A peer on the host network has no sandbox of its own: joining it means the host's.
  const sandboxKey = (await runningPeer(env, rec.Id, mode.target!, 'network')).NetworkSettings.SandboxKey;
  return sandboxKey ? { kind: 'join', sandboxKey } : { kind: 'host' };
}

async function ipcOf(env: StepEnv, rec: ContainerRecord): Promise<SpecIpc> {
  const mode = parseIpcMode(rec.HostConfig.IpcMode);
  if (mode?.kind === 'host') return { kind: 'host' };
  if (mode?.kind === 'none') return { kind: 'none' };
  if (mode?.kind !== 'container') return { kind: 'private' };
  const peer = await runningPeer(env, rec.Id, mode.target!, 'IPC');
  const peerMode = parseIpcMode(peer.HostConfig.IpcMode)?.kind;
  const shm = needsOwnIpc(peer.HostConfig.IpcMode)
    ? { container: peer.Id }
    : peerMode === 'host'
      ? ('host' as const)
      : undefined;
  return { kind: 'join', pid: peer.State.Pid, shm };
}
