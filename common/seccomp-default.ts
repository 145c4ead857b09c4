import type { DockerSeccompProfile, DockerSyscallRule } from './seccomp';

/**
 * container-saga's default seccomp profile, in Docker's profile format (common/seccomp.ts converts it for a
 * container's capabilities). A denylist: every syscall is allowed except the ones below, which fail with
 * EPERM — Docker's default profile is an allowlist of ~370 names; this list is the part of it that matters
 * for a root process in a container, written from the kernel's documentation (syscalls(2), capabilities(7),
 * the man page of each). docs/seccomp.md explains each entry and what Docker does that this does not.
 *
 * A rule with `excludes.caps` applies only when the container holds none of those capabilities: adding the
 * capability (--cap-add) lifts it, as Docker's profile allows these calls to a container granted it.
 */

const EPERM = 1;
const ENOSYS = 38;

// clone(2)/unshare(2) flags that create namespaces (linux/sched.h).
export const CLONE_NEWTIME = 0x00000080;
export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWCGROUP = 0x02000000;
export const CLONE_NEWUTS = 0x04000000;
export const CLONE_NEWIPC = 0x08000000;
export const CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;

/** clone's low byte is the exit signal, so CLONE_NEWTIME (0x80) is only a namespace flag for unshare. */
const CLONE_NAMESPACES = [
  CLONE_NEWNS,
  CLONE_NEWCGROUP,
  CLONE_NEWUTS,
  CLONE_NEWIPC,
  CLONE_NEWUSER,
  CLONE_NEWPID,
  CLONE_NEWNET,
];
const UNSHARE_NAMESPACES = [...CLONE_NAMESPACES, CLONE_NEWTIME];

const deny = (names: string[], comment: string, withoutCaps?: string[]): DockerSyscallRule => ({
  names,
  action: 'SCMP_ACT_ERRNO',
  errnoRet: EPERM,
  comment,
  ...(withoutCaps ? { excludes: { caps: withoutCaps } } : {}),
});

/** One rule per flag (a rule's arguments are ANDed; rules are ORed): flags & F == F → EPERM. */
const denyFlag = (syscall: string, flag: number): DockerSyscallRule => ({
  names: [syscall],
  action: 'SCMP_ACT_ERRNO',
  errnoRet: EPERM,
  args: [{ index: 0, value: flag, valueTwo: flag, op: 'SCMP_CMP_MASKED_EQ' }],
  comment: `${syscall} of a new namespace needs CAP_SYS_ADMIN`,
  excludes: { caps: ['CAP_SYS_ADMIN'] },
});

export const DEFAULT_SECCOMP_PROFILE: DockerSeccompProfile = {
  defaultAction: 'SCMP_ACT_ALLOW',
  // Docker's: the native ABI and the compat ones that run on it, so a 32-bit binary meets the same rules
  // (a call from an architecture not listed is killed by libseccomp's bad-arch action).
  archMap: [
    { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
    { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
  ],
  syscalls: [
    // Never allowed: not namespaced, so a container would reach the host's.
    deny(
      ['keyctl', 'add_key', 'request_key'],
      'the kernel keyring is not namespaced: keys of the host and of other containers',
    ),
    deny(
      ['io_uring_setup', 'io_uring_enter', 'io_uring_register'],
      'io_uring: a large attack surface, and its operations bypass seccomp (Docker blocks it since 25.0)',
    ),
    deny(
      [
        'uselib',
        'create_module',
        'get_kernel_syms',
        'query_module',
        'nfsservctl',
        'vm86',
        'vm86old',
        '_sysctl',
        'bdflush',
      ],
      'obsolete calls (removed or unused by modern libcs) kept only as attack surface',
    ),
    // Allowed with the capability that guards them, as Docker's profile does.
    deny(
      [
        'mount',
        'umount',
        'umount2',
        'pivot_root',
        'fsopen',
        'fsconfig',
        'fsmount',
        'fspick',
        'move_mount',
        'open_tree',
        'mount_setattr',
      ],
      'mounting needs CAP_SYS_ADMIN; a user namespace would grant it over mounts of its own',
      ['CAP_SYS_ADMIN'],
    ),
    deny(['setns'], 'joining namespaces needs CAP_SYS_ADMIN', ['CAP_SYS_ADMIN']),
    deny(['swapon', 'swapoff'], "swap is the host's", ['CAP_SYS_ADMIN']),
    deny(
      [
        'quotactl',
        'quotactl_fd',
        'lookup_dcookie',
        'fanotify_init',
        'name_to_handle_at',
        'sethostname',
        'setdomainname',
      ],
      'CAP_SYS_ADMIN operations of the host kernel',
      ['CAP_SYS_ADMIN'],
    ),
    deny(['bpf'], 'BPF programs run in the host kernel', ['CAP_SYS_ADMIN', 'CAP_BPF']),
    deny(['perf_event_open'], "performance counters expose the host's activity", ['CAP_SYS_ADMIN', 'CAP_PERFMON']),
    deny(['open_by_handle_at'], 'opens files by handle, bypassing the mount namespace (the "shocker" escape)', [
      'CAP_DAC_READ_SEARCH',
    ]),
    deny(['init_module', 'finit_module', 'delete_module'], "kernel modules are the host's", ['CAP_SYS_MODULE']),
    deny(['kexec_load', 'kexec_file_load'], 'loads a new kernel', ['CAP_SYS_BOOT']),
    deny(['reboot'], 'reboots the host (in a PID namespace: kills its init)', ['CAP_SYS_BOOT']),
    deny(
      ['ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp', 'pidfd_getfd'],
      'inspecting and controlling other processes',
      ['CAP_SYS_PTRACE'],
    ),
    deny(['userfaultfd'], 'used to stall the kernel in exploits', ['CAP_SYS_PTRACE']),
    deny(['settimeofday', 'stime', 'clock_settime', 'clock_settime64'], "the clock is the host's (not namespaced)", [
      'CAP_SYS_TIME',
    ]),
    deny(['acct'], "process accounting is the host's", ['CAP_SYS_PACCT']),
    deny(['iopl', 'ioperm'], 'raw I/O port access', ['CAP_SYS_RAWIO']),
    deny(['syslog'], "the kernel log is the host's", ['CAP_SYSLOG']),
    deny(['vhangup'], 'hangs up the terminal', ['CAP_SYS_TTY_CONFIG']),
    // New namespaces: clone and unshare are filtered on their flags; clone3 passes its flags in memory, which
    // seccomp cannot read, so it fails with ENOSYS (as under Docker) and libc falls back to clone.
    ...CLONE_NAMESPACES.map((f) => denyFlag('clone', f)),
    ...UNSHARE_NAMESPACES.map((f) => denyFlag('unshare', f)),
    {
      names: ['clone3'],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: ENOSYS,
      comment: 'flags in memory: not filterable, libc falls back to clone',
      excludes: { caps: ['CAP_SYS_ADMIN'] },
    },
  ],
};
