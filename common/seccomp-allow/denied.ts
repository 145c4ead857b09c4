import type { SyscallGroup } from './group';

/**
 * Never allowed by the default profile, whatever the capabilities: these fail with the default action
 * (EPERM). Listed so that every name of the kernel's table is a decision (test/unit/seccomp-table.test.ts).
 */
export const DENIED_GROUPS: readonly SyscallGroup[] = [
  {
    title: 'kernel keyring',
    names: ['keyctl', 'add_key', 'request_key'],
    why: 'not namespaced: the keys of the host and of other containers',
  },
  {
    title: 'io_uring',
    names: ['io_uring_setup', 'io_uring_enter', 'io_uring_register'],
    why: "a large attack surface whose operations seccomp never sees (Docker's current profile denies it too)",
  },
  {
    title: 'loading a kernel',
    names: ['kexec_load', 'kexec_file_load'],
    why: 'replaces the host kernel; Docker denies it even with CAP_SYS_BOOT',
  },
  {
    title: 'swap',
    names: ['swapon', 'swapoff'],
    why: "swap is the host's; Docker denies it even with CAP_SYS_ADMIN",
  },
  {
    title: 'userfaultfd',
    names: ['userfaultfd'],
    why: 'stalls the kernel at a chosen page fault, an exploit primitive; Docker denies it',
  },
  {
    title: 'moving pages between NUMA nodes',
    names: ['migrate_pages', 'move_pages'],
    why: "acts on other processes' memory placement (CVE-2017-14140 leaked through move_pages); Docker denies it",
  },
  {
    title: 'obsolete and removed calls',
    names: [
      'uselib',
      'create_module',
      'get_kernel_syms',
      'query_module',
      'nfsservctl',
      '_sysctl',
      'bdflush',
      'sysfs',
      'ustat',
      'vm86',
      'vm86old',
      'idle',
      'oldstat',
      'oldfstat',
      'oldlstat',
      'olduname',
      'oldolduname',
      'readdir',
      'epoll_ctl_old',
      'epoll_wait_old',
    ],
    why: 'removed from the kernel or replaced decades ago; no current libc calls them, so they are only attack surface',
  },
  {
    title: 'legacy 32-bit variants',
    names: ['signal', 'sigaction', 'sigpending', 'sigsuspend', 'sgetmask', 'ssetmask', 'nice'],
    why: 'libcs use the rt_sig* calls and setpriority instead; Docker does not allow them either',
  },
  {
    title: 'never implemented',
    names: [
      'afs_syscall',
      'break',
      'ftime',
      'getpmsg',
      'putpmsg',
      'gtty',
      'stty',
      'lock',
      'mpx',
      'prof',
      'profil',
      'security',
      'tuxcall',
      'vserver',
      'ulimit',
    ],
    why: 'reserved numbers that return ENOSYS in every kernel',
  },
  {
    title: 'arm-only hardware and ABI calls',
    names: ['pciconfig_iobase', 'pciconfig_read', 'pciconfig_write', 'usr26', 'usr32'],
    why: 'PCI configuration space (hardware) and the old 26-bit ABI',
  },
];
