import { ContainerError } from './errors';

/**
 * Docker's seccomp profile format (moby's profiles/seccomp: the JSON `--security-opt seccomp=<file>` takes)
 * and its conversion into the OCI runtime spec's `linux.seccomp`, which runc loads with libseccomp. Pure:
 * the create check validates a profile with it, the drivers convert one for the container's capabilities.
 */

/** A seccomp action the OCI spec and runc 1.1 accept (SCMP_ACT_NOTIFY needs a listener: not supported). */
export const SECCOMP_ACTIONS = [
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
] as const;
export type SeccompAction = (typeof SECCOMP_ACTIONS)[number];

export const SECCOMP_OPERATORS = [
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
] as const;
export type SeccompOperator = (typeof SECCOMP_OPERATORS)[number];

export const SECCOMP_ARCHES = [
  'SCMP_ARCH_X86',
  'SCMP_ARCH_X86_64',
  'SCMP_ARCH_X32',
  'SCMP_ARCH_ARM',
  'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPS64',
  'SCMP_ARCH_MIPS64N32',
  'SCMP_ARCH_MIPSEL',
  'SCMP_ARCH_MIPSEL64',
  'SCMP_ARCH_MIPSEL64N32',
  'SCMP_ARCH_PPC',
  'SCMP_ARCH_PPC64',
  'SCMP_ARCH_PPC64LE',
  'SCMP_ARCH_S390',
  'SCMP_ARCH_S390X',
  'SCMP_ARCH_RISCV64',
  'SCMP_ARCH_LOONGARCH64',
] as const;

/** The filter flags runc 1.1 knows. */
const SECCOMP_FLAGS = ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'];

/** Go's GOARCH → the native seccomp architecture (moby's nativeToSeccomp). */
const NATIVE_TO_SECCOMP: Readonly<Record<string, string>> = {
  '386': 'SCMP_ARCH_X86',
  amd64: 'SCMP_ARCH_X86_64',
  arm: 'SCMP_ARCH_ARM',
  arm64: 'SCMP_ARCH_AARCH64',
  ppc64: 'SCMP_ARCH_PPC64',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  riscv64: 'SCMP_ARCH_RISCV64',
  loong64: 'SCMP_ARCH_LOONGARCH64',
  s390: 'SCMP_ARCH_S390',
  s390x: 'SCMP_ARCH_S390X',
};

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: SeccompOperator;
}

/**
 * When a rule applies: every listed capability present (includes), none of them (excludes); arches are GOARCH names.
 */
export interface SeccompFilter {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

export interface DockerSyscallRule {
  name?: string;
  names?: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: SeccompArg[];
  comment?: string;
  includes?: SeccompFilter;
  excludes?: SeccompFilter;
}

export interface DockerSeccompProfile {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: Array<{ architecture: string; subArchitectures?: string[] }>;
  flags?: string[];
  syscalls?: DockerSyscallRule[];
}

/** OCI's linux.seccomp. */
export interface OciSeccomp {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  syscalls?: Array<{ names: string[]; action: SeccompAction; errnoRet?: number; args?: SeccompArg[] }>;
}

function invalid(why: string): never {
  throw new ContainerError('InvalidParameter', `invalid seccomp profile: ${why}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function stringList(v: unknown, what: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) invalid(`${what} must be a list of strings`);
  return v as string[];
}

function action(v: unknown, what: string): SeccompAction {
  if (v === 'SCMP_ACT_NOTIFY') invalid(`${what}: SCMP_ACT_NOTIFY is not supported (no seccomp listener)`);
  if (!(SECCOMP_ACTIONS as readonly unknown[]).includes(v)) invalid(`${what}: unknown action ${JSON.stringify(v)}`);
  return v as SeccompAction;
}

function errnoRet(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isUint(v)) invalid(`${what}: errnoRet must be a non-negative integer`);
  return v;
}

function filter(v: unknown, what: string): SeccompFilter | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) invalid(`${what} must be an object`);
  const out: SeccompFilter = {};
  const caps = stringList(v.caps, `${what}.caps`);
  if (caps) out.caps = caps;
  const arches = stringList(v.arches, `${what}.arches`);
  if (arches) out.arches = arches;
  if (v.minKernel !== undefined && v.minKernel !== null && v.minKernel !== '') {
    if (typeof v.minKernel !== 'string' || !/^\d+\.\d+$/.test(v.minKernel))
      invalid(`${what}.minKernel must be "MAJOR.MINOR"`);
    out.minKernel = v.minKernel;
  }
  return out;
}

function arg(v: unknown, what: string): SeccompArg {
  if (!isObject(v)) invalid(`${what} must be an object`);
  if (!isUint(v.index) || v.index > 5) invalid(`${what}.index must be 0 to 5`);
  if (!isUint(v.value)) invalid(`${what}.value must be a non-negative integer`);
  if (v.valueTwo !== undefined && !isUint(v.valueTwo)) invalid(`${what}.valueTwo must be a non-negative integer`);
  if (!(SECCOMP_OPERATORS as readonly unknown[]).includes(v.op))
    invalid(`${what}: unknown operator ${JSON.stringify(v.op)}`);
  return {
    index: v.index,
    value: v.value,
    ...(v.valueTwo !== undefined ? { valueTwo: v.valueTwo as number } : {}),
    op: v.op as SeccompOperator,
  };
}

function rule(v: unknown, i: number): DockerSyscallRule {
  const what = `syscalls[${i}]`;
  if (!isObject(v)) invalid(`${what} must be an object`);
  const names = stringList(v.names, `${what}.names`);
  if (v.name !== undefined && v.name !== '' && names && names.length > 0) {
    invalid("'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'");
  }
  if (v.name !== undefined && typeof v.name !== 'string') invalid(`${what}.name must be a string`);
  const all = names && names.length > 0 ? names : v.name ? [v.name as string] : [];
  if (all.length === 0 || all.some((n) => !/^[a-z0-9_]+$/.test(n))) invalid(`${what} must name syscalls ([a-z0-9_]+)`);
  const out: DockerSyscallRule = { names: all, action: action(v.action, what) };
  const ret = errnoRet(v.errnoRet, what);
  if (ret !== undefined) out.errnoRet = ret;
  if (v.args !== undefined && v.args !== null) {
    if (!Array.isArray(v.args)) invalid(`${what}.args must be a list`);
    out.args = v.args.map((a, j) => arg(a, `${what}.args[${j}]`));
  }
  const includes = filter(v.includes, `${what}.includes`);
  if (includes) out.includes = includes;
  const excludes = filter(v.excludes, `${what}.excludes`);
  if (excludes) out.excludes = excludes;
  return out;
}

/**
 * A Docker-format profile (the JSON text), checked: Docker decodes it at start; container-saga at create,
 * so a bad profile is a 400 before anything exists. Unknown fields are ignored, as Go's decoder does.
 */
export function parseSeccompProfile(text: string): DockerSeccompProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ContainerError('InvalidParameter', `Decoding seccomp profile failed: ${(err as Error).message}`);
  }
  if (!isObject(raw)) invalid('the profile must be a JSON object');
  const out: DockerSeccompProfile = { defaultAction: action(raw.defaultAction, 'defaultAction') };
  const ret = errnoRet(raw.defaultErrnoRet, 'defaultErrnoRet');
  if (ret !== undefined) out.defaultErrnoRet = ret;
  if (raw.listenerPath) invalid('listenerPath is not supported');
  const arches = stringList(raw.architectures, 'architectures');
  if (arches && arches.length > 0 && Array.isArray(raw.archMap) && raw.archMap.length > 0) {
    invalid(
      "both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'",
    );
  }
  const knownArch = (a: string) => {
    if (!(SECCOMP_ARCHES as readonly string[]).includes(a)) invalid(`unknown architecture ${JSON.stringify(a)}`);
    return a;
  };
  if (arches && arches.length > 0) out.architectures = arches.map(knownArch);
  if (raw.archMap !== undefined && raw.archMap !== null) {
    if (!Array.isArray(raw.archMap)) invalid('archMap must be a list');
    out.archMap = raw.archMap.map((m, i) => {
      if (!isObject(m) || typeof m.architecture !== 'string') invalid(`archMap[${i}] must have an architecture`);
      return {
        architecture: knownArch(m.architecture),
        subArchitectures: (stringList(m.subArchitectures, `archMap[${i}].subArchitectures`) ?? []).map(knownArch),
      };
    });
  }
  const flags = stringList(raw.flags, 'flags');
  if (flags) {
    for (const f of flags) if (!SECCOMP_FLAGS.includes(f)) invalid(`unknown flag ${JSON.stringify(f)}`);
    out.flags = flags;
  }
  if (raw.syscalls !== undefined && raw.syscalls !== null) {
    if (!Array.isArray(raw.syscalls)) invalid('syscalls must be a list');
    out.syscalls = raw.syscalls.map(rule);
  }
  return out;
}

/** What a profile is converted for: the process's capabilities, Go's name of the host architecture, its kernel. */
export interface SeccompTarget {
  capabilities: readonly string[];
  goArch: string;
  /** "MAJOR.MINOR"; rules with a newer minKernel are left out. Undefined: every rule counts. */
  kernel?: string;
}

function kernelAtLeast(kernel: string | undefined, min: string | undefined): boolean {
  if (kernel === undefined || min === undefined) return true;
  const [a = 0, b = 0] = kernel.split('.').map(Number);
  const [x = 0, y = 0] = min.split('.').map(Number);
  return a > x || (a === x && b >= y);
}

/**
 * moby's setupSeccomp: the architectures for this host (archMap: the native one and its sub-architectures),
 * and the rules that apply to this process — includes.caps all held, excludes.caps none held, includes.arches
 * naming this architecture, excludes.arches not, minKernel reached.
 */
export function toOciSeccomp(profile: DockerSeccompProfile, target: SeccompTarget): OciSeccomp {
  const caps = new Set(target.capabilities);
  const native = NATIVE_TO_SECCOMP[target.goArch];
  const architectures = profile.architectures
    ? [...profile.architectures]
    : (profile.archMap ?? [])
        .filter((m) => m.architecture === native)
        .flatMap((m) => [m.architecture, ...(m.subArchitectures ?? [])]);
  const syscalls: NonNullable<OciSeccomp['syscalls']> = [];
  for (const r of profile.syscalls ?? []) {
    const inc = r.includes ?? {};
    const exc = r.excludes ?? {};
    if ((exc.caps ?? []).some((c) => caps.has(c))) continue;
    if (!(inc.caps ?? []).every((c) => caps.has(c))) continue;
    if (exc.arches?.includes(target.goArch)) continue;
    if (inc.arches && inc.arches.length > 0 && !inc.arches.includes(target.goArch)) continue;
    if (!kernelAtLeast(target.kernel, inc.minKernel)) continue;
    syscalls.push({
      names: r.names ?? (r.name ? [r.name] : []),
      action: r.action,
      ...(r.errnoRet !== undefined ? { errnoRet: r.errnoRet } : {}),
      ...(r.args && r.args.length > 0 ? { args: r.args.map((a) => ({ ...a })) } : {}),
    });
  }
  return {
    defaultAction: profile.defaultAction,
    ...(profile.defaultErrnoRet !== undefined ? { defaultErrnoRet: profile.defaultErrnoRet } : {}),
    ...(architectures.length > 0 ? { architectures } : {}),
    ...(profile.flags && profile.flags.length > 0 ? { flags: [...profile.flags] } : {}),
    syscalls,
  };
}
