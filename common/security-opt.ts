import { ContainerError, Messages } from './errors';

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
    const sep = opt.search(/[:=]/);
    if (sep <= 0) throw invalid(opt);
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
        if (value === '') throw invalid(opt);
        out.appArmorProfile = value;
        break;
      case 'seccomp':
        if (value === '') throw invalid(opt);
        out.seccompProfile = value;
        break;
      case 'no-new-privileges':
        if (value !== 'true' && value !== 'false') throw invalid(opt);
        out.noNewPrivileges = value === 'true';
        break;
      default:
        throw invalid(opt);
    }
  }
  return out;
}

function invalid(opt: string): ContainerError {
  return new ContainerError('InvalidSecurityOpt', Messages.invalidSecurityOpt(opt));
}
