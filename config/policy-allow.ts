import { ALL, ALL_CAPABILITIES } from '../common/capabilities';
import { ConfigError } from './config-error';

/**
 * CONTAINER_SAGA_POLICY_ALLOW: what a host with a policy (CONTAINER_SAGA_BIND_ALLOW set) still lets a
 * container have, comma-separated: `privileged`, `cap:NAME` (a capability beyond Docker's defaults, with or
 * without CAP_, or `cap:ALL`), `seccomp-unconfined`, `seccomp-profile` (a profile of the client's own),
 * `host-network`, `host-ipc`, `devices` (a host device node, --device). Entries come back normalised
 * (`cap:CAP_SYS_ADMIN`), sorted.
 */
export const POLICY_ENTRIES = [
  'privileged',
  'seccomp-unconfined',
  'seccomp-profile',
  'host-network',
  'host-ipc',
  'devices',
];

const KNOWN_CAPS: ReadonlySet<string> = new Set([...ALL_CAPABILITIES, `CAP_${ALL}`]);

export function policyAllow(value: string | undefined, bindAllow: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  if (bindAllow === undefined)
    throw new ConfigError(
      'CONTAINER_SAGA_POLICY_ALLOW only relaxes the policy CONTAINER_SAGA_BIND_ALLOW declares: set CONTAINER_SAGA_BIND_ALLOW too (/ lets binds come from anywhere)',
    );
  const out = new Set<string>();
  const bad: string[] = [];
  for (const raw of value.split(',').map((e) => e.trim())) {
    if (raw === '') continue;
    if (POLICY_ENTRIES.includes(raw)) out.add(raw);
    else if (raw.startsWith('cap:')) {
      const up = raw.slice(4).toUpperCase();
      const cap = up.startsWith('CAP_') ? up : `CAP_${up}`;
      if (KNOWN_CAPS.has(cap)) out.add(cap === `CAP_${ALL}` ? `cap:${ALL}` : `cap:${cap}`);
      else bad.push(raw);
    } else bad.push(raw);
  }
  if (bad.length > 0)
    throw new ConfigError(
      `CONTAINER_SAGA_POLICY_ALLOW has unknown entries ${bad.map((b) => JSON.stringify(b)).join(', ')}: want ${POLICY_ENTRIES.join(', ')} or cap:NAME, comma-separated`,
    );
  return [...out].sort();
}
