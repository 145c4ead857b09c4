/**
 * Every syscall of the kernel's table is a decision: allowed in a group with a reason, allowed on a condition
 * (arguments, a capability), or denied. The tables are the headers Debian's linux-libc-dev installs (npm run
 * setup installs it); a kernel that adds a syscall makes this test fail until someone puts it in a group.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DENIED_GROUPS } from '../../common/seccomp-allow/denied';
import { GATED_GROUPS } from '../../common/seccomp-allow/gated';
import {
  ALLOWED_GROUPS,
  ARM_ONLY_NAMES,
  classification,
  parseSyscallTable,
  SYSCALL_HEADERS,
  unclassified,
} from '../../common/seccomp-allow/table';

const present = SYSCALL_HEADERS.filter((h) => existsSync(h));
const tables = new Map(present.map((h) => [h, parseSyscallTable(readFileSync(h, 'utf8'))]));

describe("the default seccomp profile against the kernel's syscall table", () => {
  it.runIf(process.platform === 'linux')("the machine has the tables (linux-libc-dev's headers)", () => {
    expect(present, 'apt-get install linux-libc-dev (npm run setup installs it)').toEqual(SYSCALL_HEADERS);
  });

  it.each(present)('every name in %s is classified', (header) => {
    const names = tables.get(header)!;
    expect(names.length).toBeGreaterThan(300);
    expect(unclassified(names)).toEqual([]);
  });

  it('every classified name is a syscall of some table (or of 32-bit arm): no typo is silently ignored by runc', () => {
    const known = new Set([...[...tables.values()].flat(), ...ARM_ONLY_NAMES]);
    expect(known.size).toBeGreaterThan(400);
    expect([...classification().keys()].filter((n) => !known.has(n))).toEqual([]);
  });

  it('a header gaining a syscall is caught: it is reported as unclassified', () => {
    const table = parseSyscallTable(
      [
        '#define __NR_read 0',
        '#define __NR_write (__X32_SYSCALL_BIT + 1)',
        '#define __NR_fcntl __NR3264_fcntl',
        '#define __NR_mseal 462',
        '#define __NR_syscalls 463',
        '#define __NR_arch_specific_syscall 244',
      ].join('\n'),
    );
    expect(table).toEqual(['fcntl', 'mseal', 'read', 'write']);
    expect(unclassified(table)).toEqual(['mseal']);
    // a kernel tree's syscall.tbl, for a kernel newer than the headers
    const tbl = parseSyscallTable('0\tcommon\tread\tsys_read\n463\tcommon\tsetxattrat\tsys_setxattrat\n');
    expect(unclassified(tbl)).toEqual(['setxattrat']);
  });

  it('no name is in two classes, and the counts are what docs/seccomp.md says', () => {
    const counts = { allowed: 0, conditional: 0, denied: 0 };
    for (const c of classification().values()) counts[c] += 1;
    expect(counts).toEqual({ allowed: 353, conditional: 50, denied: 60 });
  });

  it("docs/seccomp.md has a row for every group, with the group's reason", () => {
    const doc = readFileSync(path.resolve(__dirname, '../../docs/seccomp.md'), 'utf8');
    for (const g of [...ALLOWED_GROUPS, ...GATED_GROUPS, ...DENIED_GROUPS]) {
      expect(doc, g.title).toContain(`| ${g.title} |`);
      expect(doc, g.title).toContain(`| ${g.why} |`);
    }
  });
});
