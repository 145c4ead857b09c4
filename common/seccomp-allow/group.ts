/**
 * One group of the default seccomp profile: syscall names and why the group is allowed (or denied). The
 * groups are the profile's source and docs/seccomp.md's table; test/unit/seccomp-table.test.ts checks that
 * every syscall of the kernel's table is in exactly one of them.
 */
export interface SyscallGroup {
  /** A short title (docs/seccomp.md's row). */
  title: string;
  names: readonly string[];
  why: string;
}
