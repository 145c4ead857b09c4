/**
 * The default seccomp profile (common/seccomp-default.ts), converted for a container's capabilities as the Linux
 * driver does, and evaluated the way the kernel runs the filter: the first rule naming the syscall whose
 * argument checks all hold decides, else the default action.
 */
import { describe, expect, it } from 'vitest';
import { ALL_CAPABILITIES, DEFAULT_CAPABILITIES } from '../../common/capabilities';
import { toOciSeccomp, type OciSeccomp, type SeccompArg } from '../../common/seccomp';
import { CLONE_NEWTIME, CLONE_NEWUSER, DEFAULT_SECCOMP_PROFILE } from '../../common/seccomp-default';
import { GATED_GROUPS } from '../../common/seccomp-allow/gated';
import { DENIED_GROUPS } from '../../common/seccomp-allow/denied';

const AMD64 = { goArch: 'amd64', kernel: '6.1' };
const filterFor = (caps: readonly string[] = DEFAULT_CAPABILITIES, target = AMD64) =>
  toOciSeccomp(DEFAULT_SECCOMP_PROFILE, { capabilities: caps, ...target });

const holds = (a: SeccompArg, args: readonly number[]): boolean => {
  const v = args[a.index] ?? 0;
  switch (a.op) {
    case 'SCMP_CMP_EQ':
      return v === a.value;
    case 'SCMP_CMP_NE':
      return v !== a.value;
    case 'SCMP_CMP_LT':
      return v < a.value;
    case 'SCMP_CMP_GT':
      return v > a.value;
    case 'SCMP_CMP_MASKED_EQ':
      return Number(BigInt(v) & BigInt(a.value)) === (a.valueTwo ?? 0);
    default:
      throw new Error(`no evaluator for ${a.op}`);
  }
};

/** What the filter does with name(args): 'allow', or the errno it returns. */
function verdict(f: OciSeccomp, name: string, ...args: number[]): 'allow' | number {
  const rule = (f.syscalls ?? []).find((r) => r.names.includes(name) && (r.args ?? []).every((a) => holds(a, args)));
  const action = rule?.action ?? f.defaultAction;
  if (action === 'SCMP_ACT_ALLOW') return 'allow';
  expect(action).toBe('SCMP_ACT_ERRNO');
  return (rule ? rule.errnoRet : f.defaultErrnoRet) ?? 1;
}

const EPERM = 1;
const ENOSYS = 38;
const SIGCHLD = 17;
const CLONE_FILES = 0x400;
const AF_INET = 2;
const AF_ALG = 38;
const AF_VSOCK = 40;

describe('the default seccomp profile: an allowlist with EPERM, as Docker', () => {
  it('defaults to SCMP_ACT_ERRNO/EPERM over x86_64, x86 and x32 (aarch64 and arm on arm64)', () => {
    const f = filterFor();
    expect([f.defaultAction, f.defaultErrnoRet]).toEqual(['SCMP_ACT_ERRNO', EPERM]);
    expect(f.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    expect(filterFor(DEFAULT_CAPABILITIES, { goArch: 'arm64', kernel: '6.1' }).architectures).toEqual([
      'SCMP_ARCH_AARCH64',
      'SCMP_ARCH_ARM',
    ]);
  });

  it.each<[string, string, number[], 'allow' | number]>([
    ['what every program needs', 'read', [], 'allow'],
    ['', 'execve', [], 'allow'],
    ['', 'futex', [], 'allow'],
    ['32-bit x86 names', '_llseek', [], 'allow'],
    ['chroot (CAP_SYS_CHROOT is a default)', 'chroot', [], 'allow'],
    // the profile's default; runc answers ENOSYS for numbers past the highest the profile names
    ['a name in no group (newer than the 6.1 table)', 'fchmodat2', [], EPERM],
    ['the keyring', 'keyctl', [], EPERM],
    ['io_uring', 'io_uring_setup', [], EPERM],
    ['NUMA policy without CAP_SYS_NICE', 'mbind', [], EPERM],
    ['mount without CAP_SYS_ADMIN', 'mount', [], EPERM],
    ['a thread or fork', 'clone', [0x3d0f00], 'allow'],
    ['', 'clone', [SIGCHLD], 'allow'],
    ['a user namespace', 'clone', [CLONE_NEWUSER | SIGCHLD], EPERM],
    ['clone3: ENOSYS, so libc falls back to clone', 'clone3', [], ENOSYS],
    ['unshare of the file table', 'unshare', [CLONE_FILES], 'allow'],
    ['unshare of a user namespace', 'unshare', [CLONE_NEWUSER], EPERM],
    ['unshare of a time namespace', 'unshare', [CLONE_NEWTIME], EPERM],
    ['an IPv4 socket', 'socket', [AF_INET, 1, 0], 'allow'],
    ['an AF_VSOCK socket', 'socket', [AF_VSOCK, 1, 0], EPERM],
    ['an AF_ALG socket', 'socket', [AF_ALG, 5, 0], EPERM],
    ['an AF_NETLINK socket', 'socket', [16, 3, 0], 'allow'],
    ['an AF_XDP socket (44)', 'socket', [44, 3, 0], 'allow'],
    ['an AF_KCM socket (41)', 'socket', [41, 5, 0], 'allow'],
    ['an AF_NFC socket (39)', 'socket', [39, 5, 0], 'allow'],
    ['personality(PER_LINUX32)', 'personality', [0x8], 'allow'],
    ['personality query', 'personality', [0xffffffff], 'allow'],
    ['personality(ADDR_NO_RANDOMIZE): setarch -R', 'personality', [0x0040000], EPERM],
    ['personality(READ_IMPLIES_EXEC)', 'personality', [0x0400000], EPERM],
  ])('default capabilities: %s %s(%j) → %s', (_what, name, args, want) => {
    expect(verdict(filterFor(), name, ...args)).toBe(want);
  });

  it('CAP_SYS_ADMIN lifts the namespace and mount rules, not the ones denied to everyone', () => {
    const f = filterFor([...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN']);
    expect(verdict(f, 'clone', CLONE_NEWUSER | SIGCHLD)).toBe('allow');
    expect(verdict(f, 'unshare', CLONE_NEWUSER)).toBe('allow');
    expect(verdict(f, 'clone3')).toBe('allow');
    expect(verdict(f, 'mount')).toBe('allow');
    expect(verdict(f, 'setns')).toBe('allow');
    for (const n of ['keyctl', 'swapon', 'kexec_load', 'io_uring_setup']) expect(verdict(f, n), n).toBe(EPERM);
  });

  it.each(GATED_GROUPS.flatMap((g) => g.caps.map((cap) => [cap, g.title, g.names] as const)))(
    '%s allows the group "%s", which is denied without it',
    (cap, _title, names) => {
      const without = filterFor(DEFAULT_CAPABILITIES.filter((c) => c !== cap));
      const withIt = filterFor([...DEFAULT_CAPABILITIES.filter((c) => c !== cap), cap]);
      for (const n of names) {
        // clone and unshare keep their flag-filtered rule without CAP_SYS_ADMIN: a namespace flag is refused
        const args = n === 'clone' || n === 'unshare' ? [CLONE_NEWUSER] : [];
        expect(verdict(without, n, ...args), `${n} without ${cap}`).toBe(n === 'clone3' ? ENOSYS : EPERM);
        expect(verdict(withIt, n, ...args), `${n} with ${cap}`).toBe('allow');
      }
    },
  );

  it('the denied groups stay denied with every capability (only --privileged, which has no filter, reaches them)', () => {
    const f = filterFor(ALL_CAPABILITIES);
    for (const n of DENIED_GROUPS.flatMap((g) => g.names)) expect(verdict(f, n), n).toBe(EPERM);
  });

  it("clone's and unshare's mask and clone3's ENOSYS are Docker's numbers", () => {
    const f = filterFor();
    const rule = (n: string) => f.syscalls!.filter((r) => r.names.includes(n));
    expect(rule('clone')).toEqual([
      {
        names: ['clone'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
      },
    ]);
    expect(rule('unshare')[0]!.args![0]!.value).toBe(0x7e020080);
    expect(rule('clone3')).toEqual([{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS }]);
    expect(rule('personality').map((r) => r.args![0]!.value)).toEqual([0, 8, 0x20000, 0x20008, 0xffffffff]);
  });
});
