import type { SyscallGroup } from './group';

/** A group allowed only to a container holding one of `caps` (Docker's `includes.caps`: --cap-add lifts it). */
export interface GatedGroup extends SyscallGroup {
  caps: readonly string[];
}

export const GATED_GROUPS: readonly GatedGroup[] = [
  {
    title: 'mounts and namespaces',
    caps: ['CAP_SYS_ADMIN'],
    names: [
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
      'setns',
      'clone',
      'clone3',
      'unshare',
    ],
    why: 'mounting and joining or creating any namespace; without the capability clone/unshare are flag-filtered',
  },
  {
    title: 'host-kernel administration',
    caps: ['CAP_SYS_ADMIN'],
    names: ['quotactl', 'quotactl_fd', 'lookup_dcookie', 'fanotify_init', 'sethostname', 'setdomainname'],
    why: 'operations the kernel reserves to CAP_SYS_ADMIN; without it they only fail later, with more code reached',
  },
  {
    title: 'BPF',
    caps: ['CAP_SYS_ADMIN', 'CAP_BPF'],
    names: ['bpf'],
    why: 'BPF programs run in the host kernel',
  },
  {
    title: 'performance counters',
    caps: ['CAP_SYS_ADMIN', 'CAP_PERFMON'],
    names: ['perf_event_open'],
    why: "counters and samples expose the host's activity",
  },
  {
    title: 'kernel log',
    caps: ['CAP_SYS_ADMIN', 'CAP_SYSLOG'],
    names: ['syslog'],
    why: "the kernel log is the host's",
  },
  {
    title: 'other processes',
    caps: ['CAP_SYS_PTRACE'],
    names: ['ptrace', 'process_vm_readv', 'process_vm_writev', 'process_madvise', 'kcmp', 'pidfd_getfd'],
    why: 'reading and controlling other processes (Docker allows the first three without it on kernels >= 4.8)',
  },
  {
    title: 'file handles',
    caps: ['CAP_DAC_READ_SEARCH'],
    names: ['open_by_handle_at'],
    why: 'opens any file of a file system by handle, past the mount namespace (the 2014 "shocker" escape)',
  },
  {
    title: 'kernel modules',
    caps: ['CAP_SYS_MODULE'],
    names: ['init_module', 'finit_module', 'delete_module'],
    why: "the host kernel's code",
  },
  {
    title: 'reboot',
    caps: ['CAP_SYS_BOOT'],
    names: ['reboot'],
    why: "in a PID namespace it ends the namespace's init; outside, the host",
  },
  {
    title: 'setting the clock',
    caps: ['CAP_SYS_TIME'],
    names: ['settimeofday', 'stime', 'clock_settime', 'clock_settime64'],
    why: "the realtime clock is the host's (time namespaces cover only monotonic and boottime)",
  },
  {
    title: 'process accounting',
    caps: ['CAP_SYS_PACCT'],
    names: ['acct'],
    why: "accounting is the host's",
  },
  {
    title: 'raw I/O ports',
    caps: ['CAP_SYS_RAWIO'],
    names: ['iopl', 'ioperm'],
    why: 'direct hardware access',
  },
  {
    title: 'terminal hang-up',
    caps: ['CAP_SYS_TTY_CONFIG'],
    names: ['vhangup'],
    why: 'hangs up the controlling terminal',
  },
  {
    title: 'NUMA memory policy',
    caps: ['CAP_SYS_NICE'],
    names: ['mbind', 'get_mempolicy', 'set_mempolicy', 'set_mempolicy_home_node'],
    why: "placing memory on the host's NUMA nodes, past the cpuset cgroup's intent; as Docker",
  },
  {
    title: 'chroot',
    caps: ['CAP_SYS_CHROOT'],
    names: ['chroot'],
    why: "Docker's default capabilities include it; --cap-drop SYS_CHROOT also removes the call",
  },
];
