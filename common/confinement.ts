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
}

/**
 * Docker's rules for a hostConfig (pure): --privileged means every capability and no filter, whatever
 * --security-opt says; else seccomp=unconfined means no filter, a profile that profile, otherwise the default
 * one (common/seccomp-default.ts); capabilities from CapAdd/CapDrop over Docker's defaults.
 */
export function confinementOf(hc: Pick<HostConfig, 'SecurityOpt' | 'CapAdd' | 'CapDrop' | 'Privileged'>): Confinement {
  const privileged = hc.Privileged ?? false;
  const capabilities = containerCapabilities(hc);
  if (privileged) return { capabilities, seccomp: undefined, privileged };
  const choice = seccompChoice(parseSecurityOpts(hc.SecurityOpt));
  const seccomp =
    choice.kind === 'unconfined'
      ? undefined
      : choice.kind === 'profile'
        ? parseSeccompProfile(choice.json)
        : DEFAULT_SECCOMP_PROFILE;
  return { capabilities, seccomp, privileged };
}
