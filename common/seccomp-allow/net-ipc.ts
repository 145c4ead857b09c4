import type { SyscallGroup } from './group';

/**
 * Allowed to every container: sockets (socket itself is argument-filtered, see conditional.ts) and System V
 * and POSIX IPC, all in the container's network and IPC namespaces.
 */
export const NET_IPC_GROUPS: readonly SyscallGroup[] = [
  {
    title: 'sockets',
    names: [
      'socketpair',
      'bind',
      'listen',
      'accept',
      'accept4',
      'connect',
      'getsockname',
      'getpeername',
      'getsockopt',
      'setsockopt',
      'sendto',
      'send',
      'sendmsg',
      'sendmmsg',
      'recvfrom',
      'recv',
      'recvmsg',
      'recvmmsg',
      'recvmmsg_time64',
      'shutdown',
      'socketcall',
    ],
    why:
      "the container's network namespace; privileged options need CAP_NET_ADMIN/NET_RAW. socketcall is how " +
      "32-bit x86 libcs reach all of these (its arguments are in memory: see docs/seccomp.md's AF_VSOCK note)",
  },
  {
    title: 'System V and POSIX IPC',
    names: [
      'ipc',
      'msgget',
      'msgctl',
      'msgsnd',
      'msgrcv',
      'semget',
      'semctl',
      'semop',
      'semtimedop',
      'semtimedop_time64',
      'shmget',
      'shmctl',
      'shmat',
      'shmdt',
      'mq_open',
      'mq_unlink',
      'mq_timedsend',
      'mq_timedsend_time64',
      'mq_timedreceive',
      'mq_timedreceive_time64',
      'mq_notify',
      'mq_getsetattr',
    ],
    why: "the container's IPC namespace: databases' shared memory, message queues",
  },
];
