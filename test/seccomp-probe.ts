import { writeFile } from 'node:fs/promises';

/**
 * A static x86_64 Linux executable, built here byte by byte (no compiler on the test machine is needed), that
 * makes one raw syscall with fixed arguments and exits with its errno (0 when the call succeeded). busybox
 * cannot make an arbitrary syscall; this lets a test see exactly what the seccomp filter answers.
 */
export function syscallProbe(nr: number, args: readonly number[] = []): Buffer {
  if (process.arch !== 'x64')
    throw new Error(`the syscall probe encodes x86_64 machine code only, not ${process.arch}`);
  const imm64 = (prefix: number[], v: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)));
    return [...prefix, ...b];
  };
  // rax = nr; rdi, rsi, rdx, r10, r8, r9 = args; syscall
  const regs = [
    [0x48, 0xbf],
    [0x48, 0xbe],
    [0x48, 0xba],
    [0x49, 0xba],
    [0x49, 0xb8],
    [0x49, 0xb9],
  ];
  const code = [
    ...imm64([0x48, 0xb8], nr),
    ...regs.flatMap((r, i) => imm64(r, args[i] ?? 0)),
    ...[0x0f, 0x05], // syscall
    ...[0x48, 0xf7, 0xd8], // neg rax: the errno when the call failed
    ...[0x48, 0x85, 0xc0], // test rax, rax
    ...[0x7f, 0x02], // jg exit: rax > 0 is an errno
    ...[0x31, 0xc0], // xor eax, eax: success exits 0
    ...[0x89, 0xc7], // exit: mov edi, eax
    ...[0xb8, 0xe7, 0x00, 0x00, 0x00], // mov eax, 231 (exit_group)
    ...[0x0f, 0x05],
  ];
  const base = 0x400000;
  const headers = 64 + 56;
  const size = headers + code.length;
  const elf = Buffer.alloc(size);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(elf, 0); // ELF64, little-endian, SysV
  elf.writeUInt16LE(2, 16); // ET_EXEC
  elf.writeUInt16LE(62, 18); // EM_X86_64
  elf.writeUInt32LE(1, 20);
  elf.writeBigUInt64LE(BigInt(base + headers), 24); // entry
  elf.writeBigUInt64LE(64n, 32); // program headers
  elf.writeUInt16LE(64, 52);
  elf.writeUInt16LE(56, 54);
  elf.writeUInt16LE(1, 56);
  elf.writeUInt16LE(64, 58);
  // PT_LOAD of the whole file, read and execute
  elf.writeUInt32LE(1, 64);
  elf.writeUInt32LE(5, 68);
  elf.writeBigUInt64LE(0n, 72);
  elf.writeBigUInt64LE(BigInt(base), 80);
  elf.writeBigUInt64LE(BigInt(base), 88);
  elf.writeBigUInt64LE(BigInt(size), 96);
  elf.writeBigUInt64LE(BigInt(size), 104);
  elf.writeBigUInt64LE(0x1000n, 112);
  Buffer.from(code).copy(elf, headers);
  return elf;
}

/** x86_64 numbers (asm/unistd_64.h) of the calls the seccomp tests make, and of some the 6.1 table lacks. */
export const X86_64 = {
  getpid: 39,
  socket: 41,
  personality: 135,
  keyctl: 250,
  mbind: 237,
  move_pages: 279,
  io_uring_setup: 425,
  clone3: 435,
  // newer than the 6.1 headers, so in no group: the kernel 6.8 calls
  statmount: 457,
  listmount: 458,
  mseal: 462,
} as const;

/** Writes probe `name` (mode 0755). */
export async function writeProbe(file: string, nr: number, args: readonly number[] = []): Promise<void> {
  await writeFile(file, syscallProbe(nr, args), { mode: 0o755 });
}
