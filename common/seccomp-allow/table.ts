import type { DockerSyscallRule } from '../seccomp';
import { CONDITIONAL_RULES } from './conditional';
import { DENIED_GROUPS } from './denied';
import { FILE_GROUPS } from './files';
import { GATED_GROUPS } from './gated';
import type { SyscallGroup } from './group';
import { NET_IPC_GROUPS } from './net-ipc';
import { PROCESS_GROUPS } from './processes';

/** Allowed to every container (the default profile's first rule). */
export const ALLOWED_GROUPS: readonly SyscallGroup[] = [...FILE_GROUPS, ...PROCESS_GROUPS, ...NET_IPC_GROUPS];

/**
 * The kernel's syscall tables as Debian's linux-libc-dev installs them: x86_64, x86 and x32 from asm/, and the
 * generic table that aarch64 (and, for most names, arm) use. Arm's own table (arch/arm/tools/syscall.tbl) is
 * not installed: its extra names are ARM_ONLY_NAMES.
 */
export const SYSCALL_HEADERS: readonly string[] = [
  '/usr/include/x86_64-linux-gnu/asm/unistd_64.h',
  '/usr/include/x86_64-linux-gnu/asm/unistd_32.h',
  '/usr/include/x86_64-linux-gnu/asm/unistd_x32.h',
  '/usr/include/asm-generic/unistd.h',
];

/** 32-bit arm's names that neither header has (libseccomp knows them; the groups classify them). */
export const ARM_ONLY_NAMES: readonly string[] = [
  'arm_fadvise64_64',
  'arm_sync_file_range',
  'breakpoint',
  'cacheflush',
  'set_tls',
  'recv',
  'send',
  'pciconfig_iobase',
  'pciconfig_read',
  'pciconfig_write',
  'usr26',
  'usr32',
];

/** `__NR_` macros that are not syscalls: the table's size and the generic table's arch-specific base. */
const NOT_SYSCALLS = new Set(['syscalls', 'arch_specific_syscall']);

/**
 * The syscall names of a table: a unistd header (`#define __NR_name …`) or a kernel source tree's
 * syscall.tbl (`0  common  read  sys_read`), so a newer kernel's table can be checked before its headers ship.
 */
export function parseSyscallTable(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/^#\s*define\s+__NR_([a-z0-9_]+)\s/gm)) names.add(m[1]!);
  for (const m of text.matchAll(/^\d+\s+[a-z0-9_]+\s+([a-z0-9_]+)\b/gm)) names.add(m[1]!);
  return [...names].filter((n) => !NOT_SYSCALLS.has(n)).sort();
}

export type Classification = 'allowed' | 'conditional' | 'denied';

const namesOf = (groups: readonly SyscallGroup[]) => groups.flatMap((g) => g.names);
const ruleNames = (rules: readonly DockerSyscallRule[]) => rules.flatMap((r) => r.names ?? []);

/** Every name the profile decides, with its decision: a name may be in one class only. */
export function classification(): Map<string, Classification> {
  const out = new Map<string, Classification>();
  const add = (names: readonly string[], c: Classification) => {
    for (const n of names) {
      const had = out.get(n);
      if (had && had !== c) throw new Error(`seccomp: ${n} is both ${had} and ${c}`);
      out.set(n, c);
    }
  };
  add(namesOf(ALLOWED_GROUPS), 'allowed');
  add([...namesOf(GATED_GROUPS), ...ruleNames(CONDITIONAL_RULES)], 'conditional');
  add(namesOf(DENIED_GROUPS), 'denied');
  return out;
}

/** The names of a table the profile does not decide: each one must be added to a group by a person. */
export function unclassified(tableNames: readonly string[]): string[] {
  const known = classification();
  return tableNames.filter((n) => !known.has(n));
}
