import { ContainerError } from './errors';

/**
 * Linux capabilities as Docker handles them (moby's oci/caps): the names the kernel knows (capability(7),
 * 0 to CAP_CHECKPOINT_RESTORE = 40), Docker's default set, and the rules that turn CapAdd/CapDrop/Privileged
 * into the process's set. Pure: the workflow, the create check and both drivers share it.
 */

/** Every capability, in the kernel's numbering order. */
export const ALL_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
] as const;

/** Docker's default capability set (moby oci/caps/defaults.go). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** The special value of --cap-add/--cap-drop meaning every capability. */
export const ALL = 'ALL';

const KNOWN: ReadonlySet<string> = new Set(ALL_CAPABILITIES);

function normalizeName(c: string): string {
  const up = c.trim().toUpperCase();
  return up === ALL || up.startsWith('CAP_') ? up : `CAP_${up}`;
}

/**
 * The docker CLI's EffectiveCapAddCapDrop: names upper-cased with CAP_ in front ("ALL" stays), duplicates
 * and empty names dropped, sorted; adding ALL keeps only ALL; a capability both added and dropped is added.
 * It does not check the names: the daemon does (checkCapabilities).
 */
export function effectiveCapAddCapDrop(
  add: readonly string[],
  drop: readonly string[],
): { capAdd: string[]; capDrop: string[] } {
  const norm = (l: readonly string[]) => new Set(l.filter((c) => c.trim() !== '').map(normalizeName));
  const adds = norm(add);
  const drops = norm(drop);
  const capAdd = adds.has(ALL) ? [ALL] : [...adds].sort();
  const capDrop = [...drops].filter((c) => !adds.has(c)).sort();
  return { capAdd, capDrop };
}

/**
 * moby's NormalizeLegacyCapabilities: each name case-insensitive, with or without CAP_, or ALL; an unknown
 * one is Docker's 400 `invalid CapAdd: unknown capability: "CAP_FOO"`.
 */
export function normalizeCapabilities(caps: readonly string[], field: 'CapAdd' | 'CapDrop'): string[] {
  return caps.map((c) => {
    const n = normalizeName(c);
    if (n !== ALL && !KNOWN.has(n))
      throw new ContainerError('InvalidParameter', `invalid ${field}: unknown capability: ${JSON.stringify(n)}`);
    return n;
  });
}

/** Docker's validateCapabilities at create (and for a hostConfig given at start). */
export function checkCapabilities(hc: { CapAdd?: readonly string[] | null; CapDrop?: readonly string[] | null }): void {
  normalizeCapabilities(hc.CapAdd ?? [], 'CapAdd');
  normalizeCapabilities(hc.CapDrop ?? [], 'CapDrop');
}

/**
 * moby's TweakCapabilities: a privileged container gets every capability; otherwise with ALL added, every
 * one but those dropped; with ALL dropped, only those added; else the defaults minus the dropped plus the
 * added. The result is in the kernel's order, without duplicates.
 */
export function containerCapabilities(hc: {
  CapAdd?: readonly string[] | null;
  CapDrop?: readonly string[] | null;
  Privileged?: boolean;
}): string[] {
  if (hc.Privileged) return [...ALL_CAPABILITIES];
  const add = normalizeCapabilities(hc.CapAdd ?? [], 'CapAdd');
  const drop = normalizeCapabilities(hc.CapDrop ?? [], 'CapDrop');
  let caps: Set<string>;
  if (add.includes(ALL)) caps = new Set(ALL_CAPABILITIES.filter((c) => !drop.includes(c)));
  else if (drop.includes(ALL)) caps = new Set(add);
  else caps = new Set([...DEFAULT_CAPABILITIES.filter((c) => !drop.includes(c)), ...add]);
  return ALL_CAPABILITIES.filter((c) => caps.has(c));
}
