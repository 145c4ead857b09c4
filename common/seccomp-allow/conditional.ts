import type { DockerSyscallRule } from '../seccomp';

/** Rules allowed on their arguments, as Docker's profile: clone/unshare flags, socket's family, personality. */

export const EPERM = 1;
export const ENOSYS = 38;

// clone(2)/unshare(2) flags that create namespaces (linux/sched.h).
export const CLONE_NEWTIME = 0x00000080;
export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWCGROUP = 0x02000000;
export const CLONE_NEWUTS = 0x04000000;
export const CLONE_NEWIPC = 0x08000000;
export const CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;

/** Every namespace flag clone takes (0x7e020000): its low byte is the exit signal, so not CLONE_NEWTIME. */
export const CLONE_NAMESPACE_MASK =
  CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;
export const UNSHARE_NAMESPACE_MASK = CLONE_NAMESPACE_MASK | CLONE_NEWTIME;

/**
 * Socket families refused, as Docker's profile: AF_ALG exposes the kernel's crypto implementations to
 * unprivileged callers (a steady source of kernel bugs), AF_VSOCK reaches the hypervisor or the host's
 * virtual machines outside every network namespace (linux/socket.h).
 */
export const AF_ALG = 38;
export const AF_VSOCK = 40;

/**
 * personality(2) values Docker allows: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and 0xffffffff
 * (a query). Others (ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, …) switch off protections of the caller.
 */
export const PERSONALITIES = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff] as const;

/** Without CAP_SYS_ADMIN (with it, the gated group allows the calls whole). */
const withoutSysAdmin = { excludes: { caps: ['CAP_SYS_ADMIN'] } };

export const CONDITIONAL_RULES: readonly DockerSyscallRule[] = [
  {
    names: ['clone'],
    action: 'SCMP_ACT_ALLOW',
    args: [{ index: 0, value: CLONE_NAMESPACE_MASK, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
    comment: 'new processes and threads, but no new namespace (flags & 0x7e020000 == 0)',
    ...withoutSysAdmin,
  },
  {
    names: ['unshare'],
    action: 'SCMP_ACT_ALLOW',
    args: [{ index: 0, value: UNSHARE_NAMESPACE_MASK, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
    comment: 'unsharing files or fs state, but no new namespace (flags & 0x7e020080 == 0)',
    ...withoutSysAdmin,
  },
  {
    names: ['clone3'],
    action: 'SCMP_ACT_ERRNO',
    errnoRet: ENOSYS,
    comment: 'its flags are in memory, which seccomp cannot read: ENOSYS makes glibc and musl fall back to clone',
    ...withoutSysAdmin,
  },
  // every family but AF_ALG and AF_VSOCK: a rule's checks are ANDed and rules ORed, so three rules
  ...[
    { index: 0, value: AF_ALG, op: 'SCMP_CMP_LT' as const },
    { index: 0, value: AF_ALG + 1, op: 'SCMP_CMP_EQ' as const },
    { index: 0, value: AF_VSOCK, op: 'SCMP_CMP_GT' as const },
  ].map(
    (arg): DockerSyscallRule => ({
      names: ['socket'],
      action: 'SCMP_ACT_ALLOW',
      args: [arg],
      comment: "sockets, but not AF_ALG (the kernel's crypto code) nor AF_VSOCK (the hypervisor's sockets)",
    }),
  ),
  ...PERSONALITIES.map(
    (p): DockerSyscallRule => ({
      names: ['personality'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: p, op: 'SCMP_CMP_EQ' }],
      comment: `personality(0x${p.toString(16)})`,
    }),
  ),
];
