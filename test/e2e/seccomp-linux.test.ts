import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { cli } from '../harness';
import { linuxSuite, testNetwork } from '../linux-fixture';
import { writeProbe, X86_64 } from '../seccomp-probe';

// The default seccomp allowlist in real containers (runc loads it): busybox keeps working, and raw-syscall
// probes (test/seccomp-probe.ts, bound in read-only) show what the filter answers for the calls it refuses.
// Needs root: without it every test FAILS with the reason.

const PROBES = mkdtempSync('/tmp/cs-seccomp-probes-');
// the probes are bound from PROBES; the policy that comes with a bind allow-list must let the cap-add and
// unconfined cases through
const suite = linuxSuite('cs-e2e-seccomp', testNetwork('e2e/seccomp-linux'), {
  bindAllow: [PROBES],
  policyAllow: ['cap:ALL', 'seccomp-unconfined'],
});
const rootIt = suite.it;

/** name → [syscall number, arguments]; each exits with the call's errno, 0 when it succeeded */
const CALLS: Record<string, [number, number[]]> = {
  getpid: [X86_64.getpid, []],
  keyctl: [X86_64.keyctl, [0, -3, 0]], // KEYCTL_GET_KEYRING_ID of the session keyring
  iouring: [X86_64.io_uring_setup, [1, 0]],
  inet: [X86_64.socket, [2, 1, 0]], // AF_INET, SOCK_STREAM
  vsock: [X86_64.socket, [40, 1, 0]], // AF_VSOCK
  alg: [X86_64.socket, [38, 5, 0]], // AF_ALG, SOCK_SEQPACKET
  mbind: [X86_64.mbind, [0, 0, 0, 0, 0, 0]],
  movepages: [X86_64.move_pages, [0, 0, 0, 0, 0, 0]],
  norandomize: [X86_64.personality, [0x40000]], // ADDR_NO_RANDOMIZE
  linux32: [X86_64.personality, [0x8]],
  clone3: [X86_64.clone3, [0, 0]],
  statmount: [X86_64.statmount, [0, 0, 0, 0]], // kernel 6.8: newer than every name of the profile
  mseal: [X86_64.mseal, [0, 0, 0]], // kernel 6.10
};
const PROBE_ALL = Object.keys(CALLS)
  .map((n) => `/probe/${n}; echo "${n}=$?"`)
  .join('; ');

beforeAll(async () => {
  for (const [name, [nr, args]] of Object.entries(CALLS)) await writeProbe(path.join(PROBES, name), nr, args);
});
afterAll(() => rm(PROBES, { recursive: true, force: true }));

/** `run --rm -v PROBES:/probe:ro busybox sh -c script` with these flags: its output as KEY → value. */
async function run(flags: string[], script: string) {
  const r = await cli(suite.w, ['run', '--rm', '-v', `${PROBES}:/probe:ro`, ...flags, 'busybox', 'sh', '-c', script]);
  const out: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^([A-Za-z0-9_]+)(?::\s*|=)(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!.trim();
  }
  return { code: r.code, out, raw: r.stdout + r.stderr };
}

const EPERM = '1';
const ENOSYS = '38';

describe('the default seccomp allowlist in real containers (Linux driver)', () => {
  rootIt('busybox keeps working under it: shell, files, processes, network on loopback, chroot, mknod', async () => {
    const script = [
      'set -e',
      'grep "^Seccomp:" /proc/self/status',
      'echo hi > /tmp/a; cat /tmp/a >/dev/null; ls / >/dev/null; date >/dev/null; sleep 0.1; ps >/dev/null',
      'mkdir -p /tmp/d/e; rm -r /tmp/d; dd if=/dev/zero of=/tmp/z bs=1k count=64 2>/dev/null',
      'echo "sorted=$(printf "b\\na\\n" | sort | tr -d "\\n")"',
      'echo "found=$(find /bin -name sh)"; echo "id=$(id -u)"; hostname >/dev/null',
      'tar czf /tmp/t.tgz /bin/sh 2>/dev/null; tar tzf /tmp/t.tgz >/dev/null; top -b -n1 >/dev/null',
      'touch /tmp/f; chmod 600 /tmp/f; chown 1:1 /tmp/f; ln -s /tmp/f /tmp/l; readlink /tmp/l >/dev/null',
      'chroot / true; mknod /tmp/n c 1 3; renice 5 $$ >/dev/null; taskset -p $$ >/dev/null',
      'ping -c1 -W2 127.0.0.1 >/dev/null && echo ping=ok',
      'mkdir /tmp/www; echo page > /tmp/www/index.html; httpd -p 127.0.0.1:8080 -h /tmp/www; sleep 0.3',
      'echo "wget=$(wget -q -O - http://127.0.0.1:8080/)"',
      'echo "linux32=$(linux32 uname -m)"',
      'echo done=yes',
    ].join('\n');
    const { code, out, raw } = await run([], script);
    expect(code, raw).toBe(0);
    expect(out, raw).toMatchObject({
      Seccomp: '2',
      sorted: 'ab',
      found: '/bin/sh',
      id: '0',
      ping: 'ok',
      wget: 'page',
      linux32: 'i686',
      done: 'yes',
    });
  });

  rootIt(
    'refused: keyctl, io_uring, AF_VSOCK, AF_ALG, mbind, move_pages, personality(ADDR_NO_RANDOMIZE) EPERM; clone3 and ' +
      'syscalls newer than the profile ENOSYS',
    async () => {
      const { out, raw } = await run([], `${PROBE_ALL}; linux64 -R true; echo "setarchR=$?"`);
      expect(out, raw).toMatchObject({
        getpid: '0',
        inet: '0',
        linux32: '0',
        keyctl: EPERM,
        iouring: EPERM,
        vsock: EPERM,
        alg: EPERM,
        mbind: EPERM,
        movepages: EPERM,
        norandomize: EPERM,
        clone3: ENOSYS,
        // in no rule, and past the highest syscall the profile names: runc's filter answers ENOSYS (so a libc
        // falls back), not the default action's EPERM
        statmount: ENOSYS,
        mseal: ENOSYS,
        setarchR: '1',
      });
      expect(raw).toContain('linux64: personality(0x40000): Operation not permitted');
    },
  );

  rootIt('--cap-add lifts its group: SYS_NICE allows mbind, SYS_ADMIN clone3; the rest stays refused', async () => {
    const { out, raw } = await run(['--cap-add', 'SYS_NICE', '--cap-add', 'SYS_ADMIN'], PROBE_ALL);
    expect(out.mbind, raw).not.toBe(EPERM);
    // clone3 with no arguments reaches the kernel, which refuses the NULL struct
    expect(out.clone3, raw).not.toBe(ENOSYS);
    expect(out, raw).toMatchObject({ keyctl: EPERM, vsock: EPERM, movepages: EPERM, norandomize: EPERM });
  });

  rootIt('seccomp=unconfined: the same probes reach the kernel (mode 0)', async () => {
    const { out, raw } = await run(
      ['--security-opt', 'seccomp=unconfined'],
      `grep "^Seccomp:" /proc/self/status; ${PROBE_ALL}`,
    );
    expect(out, raw).toMatchObject({ Seccomp: '0', norandomize: '0', getpid: '0' });
    // the kernel's own answers (a socket: 0, or EAFNOSUPPORT on a host without the family), never the filter's
    for (const n of ['vsock', 'alg', 'mbind', 'movepages']) expect(out[n], `${n}: ${raw}`).not.toBe(EPERM);
    expect(out.clone3, raw).not.toBe(ENOSYS);
  });
});
