// Which syscalls of a kernel's table the default seccomp profile does not decide yet.
//   npx tsx scripts/seccomp-check.ts [TABLE…]
// TABLE: a unistd header or a kernel tree's syscall.tbl (arch/x86/entry/syscalls/syscall_64.tbl); without
// one, the headers of linux-libc-dev. Exit 1 and the names when any is unclassified: add each to a group of
// common/seccomp-allow/ with its reason (docs/seccomp.md, "A new syscall").
import { readFileSync } from 'node:fs';
import { parseSyscallTable, SYSCALL_HEADERS, unclassified } from '../common/seccomp-allow/table';

const files = process.argv.length > 2 ? process.argv.slice(2) : [...SYSCALL_HEADERS];
let missing = 0;
for (const file of files) {
  const names = parseSyscallTable(readFileSync(file, 'utf8'));
  const left = unclassified(names);
  missing += left.length;
  console.log(
    `${file}: ${names.length} syscalls, ${left.length} unclassified${left.length ? `: ${left.join(' ')}` : ''}`,
  );
}
process.exitCode = missing > 0 ? 1 : 0;
