import { containerCapabilities, DEFAULT_CAPABILITIES } from '../common/capabilities';
import { ContainerError } from '../common/errors';
import { parseIpcMode, parseNetMode } from '../common/net-mode';
import { parseSecurityOpts, seccompChoice } from '../common/security-opt';
import type { HostConfig } from '../common/types';

/** What the privilege policy reads of a container's settings. */
export type PrivilegeSettings = Pick<
  HostConfig,
  'Privileged' | 'CapAdd' | 'CapDrop' | 'SecurityOpt' | 'NetworkMode' | 'IpcMode' | 'Devices'
>;

/**
 * The ways around a bind policy (docs/security.md, "Host-path policy"): with CONTAINER_SAGA_BIND_ALLOW set,
 * a container that could reach the host another way (--privileged, a capability beyond Docker's 14
 * defaults, no or its own seccomp filter, the host's network or IPC namespace, a host device) is Forbidden (403) unless
 * CONTAINER_SAGA_POLICY_ALLOW (config/policy-allow.ts, normalised entries) allows it. Without a bind policy
 * everything passes, as with Docker. Settings are checked for their syntax before (verifyHostConfig).
 */
export function checkPrivilegePolicy(
  hc: PrivilegeSettings,
  bindAllow: readonly string[] | undefined,
  allow: readonly string[] = [],
): void {
  if (bindAllow === undefined) return;
  const refuse = (what: string, entries: readonly string[]) => {
    throw new ContainerError(
      'Forbidden',
      `${what} is refused by this host's policy (CONTAINER_SAGA_BIND_ALLOW is set): to allow it, add ${entries.join(',')} to CONTAINER_SAGA_POLICY_ALLOW`,
    );
  };
  if (hc.Privileged && !allow.includes('privileged')) refuse('--privileged', ['privileged']);
  if (!allow.includes('cap:ALL')) {
    const extra = containerCapabilities({ ...hc, Privileged: false }).filter((c) => !DEFAULT_CAPABILITIES.includes(c));
    const missing = extra.filter((c) => !allow.includes(`cap:${c}`));
    if (missing.length > 0)
      refuse(
        `--cap-add ${missing.join(',')}`,
        missing.map((c) => `cap:${c.slice('CAP_'.length)}`),
      );
  }
  const seccomp = seccompChoice(parseSecurityOpts(hc.SecurityOpt ?? [])).kind;
  if (seccomp === 'unconfined' && !allow.includes('seccomp-unconfined'))
    refuse('--security-opt seccomp=unconfined', ['seccomp-unconfined']);
  // a profile of one's own may allow anything (defaultAction SCMP_ACT_ALLOW): judged as a whole, not read
  if (seccomp === 'profile' && !allow.includes('seccomp-profile'))
    refuse('--security-opt seccomp=<profile>', ['seccomp-profile']);
  if (parseNetMode(hc.NetworkMode ?? '')?.kind === 'host' && !allow.includes('host-network'))
    refuse('--network host', ['host-network']);
  if (parseIpcMode(hc.IpcMode ?? '')?.kind === 'host' && !allow.includes('host-ipc'))
    refuse('--ipc host', ['host-ipc']);
  // a device node is the host's hardware (a disk, /dev/mem): as much a way around the bind policy as a bind
  if ((hc.Devices ?? []).length > 0 && !allow.includes('devices')) refuse('--device', ['devices']);
}

/**
 * Under CONTAINER_SAGA_USERNS_REMAP every container runs in the user namespace (no `--userns host` here), so
 * what needs the host's root or a namespace owned by the host's user namespace is refused as Docker's
 * verifyPlatformContainerSettings does (400, its messages): --privileged, the host's network or IPC namespace.
 */
export function checkUsernsRemap(hc: Pick<HostConfig, 'Privileged' | 'NetworkMode' | 'IpcMode'>): void {
  const refuse = (msg: string) => {
    throw new ContainerError('InvalidParameter', `${msg} (CONTAINER_SAGA_USERNS_REMAP is set)`);
  };
  if (hc.Privileged)
    refuse(
      'privileged mode is incompatible with user namespaces.  You must run the container in the host namespace when running privileged mode',
    );
  if (parseNetMode(hc.NetworkMode ?? '')?.kind === 'host')
    refuse("cannot share the host's network namespace when user namespaces are enabled");
  const ipc = parseIpcMode(hc.IpcMode ?? '');
  if (ipc?.kind === 'host') refuse("cannot share the host's IPC namespace when user namespaces are enabled");
  // X's IPC namespace belongs to X's user namespace, which a container joins only with X's network
  if (ipc?.kind === 'container' && hc.NetworkMode !== `container:${ipc.target}`)
    refuse(`--ipc container:${ipc.target} needs --network container:${ipc.target} when user namespaces are enabled`);
}
