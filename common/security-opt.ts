import { ContainerError, Messages } from './errors';
import type { HostInfo } from './settings';

export interface SecurityOptions {
  labelOpts: string[];
  appArmorProfile?: string;
  seccompProfile?: string;
  noNewPrivileges: boolean;
}

const LABEL_KEYS = new Set(['user', 'role', 'type', 'level', 'disable', 'filetype', 'nested']);

/**
 * Docker's parseSecurityOpt (Linux): `label:…`, `apparmor:…`, `seccomp:…`, `no-new-privileges[:true|false]`,
 * with ':' or '=' as separator. Anything else is InvalidSecurityOpt (400) naming the option.
 */
export function parseSecurityOpts(opts: readonly string[]): SecurityOptions {
  const out: SecurityOptions = { labelOpts: [], noNewPrivileges: false };
  for (const opt of opts) {
    if (opt === 'no-new-privileges') {
      out.noNewPrivileges = true;
      continue;
    }
    if (opt === 'disable') {
      out.labelOpts.push('disable');
      continue;
    }
    // Docker cuts at the first '=' when there is one, else at the first ':'.
    const sep = opt.includes('=') ? opt.indexOf('=') : opt.indexOf(':');
    if (sep < 0) throw invalid(opt);
    const key = opt.slice(0, sep);
    const value = opt.slice(sep + 1);
    switch (key) {
      case 'label': {
        const labelKey = value.split(/[:=]/, 1)[0]!;
        if (!LABEL_KEYS.has(labelKey)) throw invalid(opt);
        out.labelOpts.push(value);
        break;
      }
      case 'apparmor':
        out.appArmorProfile = value;
        break;
      case 'seccomp':
        out.seccompProfile = value;
        break;
      case 'no-new-privileges': {
        // strconv.ParseBool
        const b = parseGoBool(value);
        if (b === undefined) throw invalid(opt);
        out.noNewPrivileges = b;
        break;
      }
      default:
        throw invalid(opt);
    }
  }
  return out;
}

/** Which seccomp filter a container gets: `seccomp=unconfined` none, `seccomp=builtin` or nothing the default. */
export type SeccompChoice = { kind: 'default' } | { kind: 'unconfined' } | { kind: 'profile'; json: string };

/**
 * The seccomp choice in security options already parsed. Docker's daemon receives a profile's content, not
 * its path (the CLI reads the file: client/seccomp-file.ts); anything but the two names is that content.
 */
export function seccompChoice(opts: SecurityOptions): SeccompChoice {
  const v = opts.seccompProfile;
  if (v === undefined || v === '' || v === 'builtin') return { kind: 'default' };
  if (v === 'unconfined') return { kind: 'unconfined' };
  return { kind: 'profile', json: v };
}

/**
 * Refuses what this host cannot apply, where Docker silently ignores it (the issue asks otherwise): an AppArmor
 * profile without AppArmor, an SELinux label without SELinux, or at all (the Linux driver sets no labels).
 * `apparmor=unconfined` and `label=disable` ask for no confinement, which is what such a host gives: accepted.
 */
export function checkHostSecurity(opts: SecurityOptions, host: Pick<HostInfo, 'appArmor' | 'selinux'>): void {
  const profile = opts.appArmorProfile;
  if (profile !== undefined && profile !== 'unconfined' && !host.appArmor)
    throw new ContainerError(
      'InvalidSecurityOpt',
      `AppArmor is not enabled on this host: cannot apply --security-opt apparmor=${profile}`,
    );
  const label = opts.labelOpts.find((l) => l !== 'disable');
  if (label === undefined) return;
  throw new ContainerError(
    'InvalidSecurityOpt',
    host.selinux
      ? `SELinux labels are not supported by container-saga: cannot apply --security-opt label=${label}`
      : `SELinux is not enabled on this host: cannot apply --security-opt label=${label}`,
  );
}

function invalid(opt: string): ContainerError {
  return new ContainerError('InvalidSecurityOpt', Messages.invalidSecurityOpt(opt));
}

function parseGoBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}
