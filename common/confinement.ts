import { containerCapabilities } from './capabilities';
import { parseSeccompProfile, type DockerSeccompProfile } from './seccomp';
import { DEFAULT_SECCOMP_PROFILE } from './seccomp-default';
import { parseSecurityOpts, seccompChoice } from './security-opt';
import type { HostConfig } from './types';

/** How a container is confined: its capabilities, its seccomp profile (none: no filter), whether privileged. */
export interface Confinement {
  capabilities: string[];
  seccomp: DockerSeccompProfile | undefined;
  privileged: boolean;
  /** the AppArmor profile runc applies (only ever set on a host with AppArmor: verifyHostConfig); undefined: none */
  appArmorProfile: string | undefined;
}

/**
 * Docker's rules for a hostConfig (pure): --privileged means every capability and no filter, whatever
 * --security-opt says; else seccomp=unconfined means no filter, a profile that profile, otherwise the default
 * one (common/seccomp-default.ts); capabilities from CapAdd/CapDrop over Docker's defaults; apparmor=NAME (not
 * privileged) that profile.
 */
export function confinementOf(hc: Pick<HostConfig, 'SecurityOpt' | 'CapAdd' | 'CapDrop' | 'Privileged'>): Confinement {
  const privileged = hc.Privileged ?? false;
  const capabilities = containerCapabilities(hc);
  if (privileged) return { capabilities, seccomp: undefined, privileged, appArmorProfile: undefined };
  const opts = parseSecurityOpts(hc.SecurityOpt);
  const choice = seccompChoice(opts);
  const seccomp =
    choice.kind === 'unconfined'
      ? undefined
      : choice.kind === 'profile'
        ? parseSeccompProfile(choice.json)
        : DEFAULT_SECCOMP_PROFILE;
  // Docker's docker-default profile is not generated here: without apparmor=NAME, no profile (docs/security.md)
  const profile = opts.appArmorProfile;
  const appArmorProfile = profile && profile !== 'unconfined' ? profile : undefined;
  return { capabilities, seccomp, privileged, appArmorProfile };
}
