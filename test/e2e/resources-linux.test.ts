import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect } from 'vitest';
import { list } from '../../client/api';
import { linuxApiSuite } from '../api-harness';
import { cli } from '../harness';
import { testNetwork } from '../linux-fixture';

// Resources and host-side confinement of real containers (runc), issue 28 part 5: the cgroup namespace,
// --memory-swap in the container's cgroup, /dev/shm's tmpfs options, --ulimit, --oom-score-adj, and apparmor=/
// label= refused on a host without AppArmor/SELinux. Needs root: without it every test FAILS with the reason.

const suite = linuxApiSuite('cs-e2e-res', testNetwork('e2e/resources-linux'));
const rootIt = suite.it;
const MB = 1024 * 1024;
const V2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
const APPARMOR = (() => {
  try {
    return readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y';
  } catch {
    return false;
  }
})();

const run = (args: string[]) => cli(suite.w, args);

/** `run --rm FLAGS busybox sh -c SCRIPT`: its output (exit 0 asserted). */
async function output(flags: string[], script: string): Promise<string> {
  const r = await run(['run', '--rm', ...flags, 'busybox', 'sh', '-c', script]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return r.stdout;
}

/** A detached `sleep` with these flags; its full ID. */
async function sleeper(flags: string[]): Promise<string> {
  const r = await run(['run', '-d', ...flags, 'busybox', 'sleep', '60']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

/** The container's memory and swap limits as its cgroup holds them (v1: memory + swap; v2: swap alone). */
async function memoryLimits(id: string): Promise<{ memory: string; swap: string }> {
  const dir = V2 ? `/sys/fs/cgroup/container-saga/${id}` : `/sys/fs/cgroup/memory/container-saga/${id}`;
  const read = async (f: string) => (await readFile(`${dir}/${f}`, 'utf8')).trim();
  return V2
    ? { memory: await read('memory.max'), swap: await read('memory.swap.max') }
    : { memory: await read('memory.limit_in_bytes'), swap: await read('memory.memsw.limit_in_bytes') };
}
/** v1's "no limit" (the page-rounded LONG_MAX), v2's "max" */
const UNLIMITED = V2 ? 'max' : '9223372036854771712';

describe('resources and host-side confinement (Linux driver)', () => {
  rootIt(
    `the cgroup namespace: Docker's default (${V2 ? 'private on cgroup v2' : 'host on cgroup v1'}); --cgroupns private shows / for every hierarchy`,
    async () => {
      const byDefault = await output([], 'cat /proc/self/cgroup');
      if (V2) expect(byDefault).toBe('0::/\n');
      else expect(byDefault).toMatch(/^0::\/container-saga\/[0-9a-f]{64}$/m);
      const priv = await output(['--cgroupns', 'private'], 'cat /proc/self/cgroup');
      // every line "N:controllers:/" — the host's path is not visible
      expect(
        priv
          .trim()
          .split('\n')
          .every((l) => /:\/$/.test(l)),
        priv,
      ).toBe(true);
      const host = await output(['--cgroupns', 'host'], 'cat /proc/self/cgroup');
      expect(host).toMatch(/^0::\/container-saga\/[0-9a-f]{64}$/m);
    },
  );

  rootIt(
    '--memory 64m: swap = memory (memory + swap 128m); --memory-swap -1 unlimited, 96m 32m of swap; inspect shows it',
    async () => {
      const cases: Array<[string[], string, string]> = [
        [[], `${128 * MB}`, `${64 * MB}`],
        [['--memory-swap', '-1'], UNLIMITED, UNLIMITED],
        [['--memory-swap', '96m'], `${96 * MB}`, `${32 * MB}`],
      ];
      for (const [flags, v1Swap, v2Swap] of cases) {
        const id = await sleeper(['--memory', '64m', ...flags]);
        expect(await memoryLimits(id), flags.join(' ')).toEqual({ memory: `${64 * MB}`, swap: V2 ? v2Swap : v1Swap });
        await run(['rm', '-f', id]);
      }
      const id = await sleeper(['--memory', '64m', '--name', 'swapped']);
      const i = await suite.docker(['inspect', '--format', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}', id]);
      expect(i.stdout).toBe(`${64 * MB} ${128 * MB}\n`);
      await run(['rm', '-f', id]);
    },
  );

  rootIt(
    `--oom-kill-disable: ${V2 ? "discarded on cgroup v2 (Docker's warning)" : "memory.oom_control's oom_kill_disable 1"}`,
    async () => {
      const id = await sleeper(['--memory', '64m', '--oom-kill-disable']);
      const i = await run(['inspect', '--format', '{{.HostConfig.OomKillDisable}}', id]);
      expect(i.stdout).toBe(V2 ? 'false\n' : 'true\n');
      if (!V2) {
        const control = await readFile(`/sys/fs/cgroup/memory/container-saga/${id}/memory.oom_control`, 'utf8');
        expect(control).toMatch(/^oom_kill_disable 1$/m);
      }
      await run(['rm', '-f', id]);
    },
  );

  rootIt("--memory-swap below --memory, or without it: Docker's 400, nothing created (CLI and docker)", async () => {
    const before = (await list(suite.w.session, true)).length;
    const low = await run(['create', '--memory', '64m', '--memory-swap', '32m', 'busybox', 'true']);
    expect([low.code, low.stderr]).toEqual([
      1,
      'Error response from daemon: Minimum memoryswap limit should be larger than memory limit, see usage\n',
    ]);
    const alone = await suite.docker(['create', '--memory-swap', '64m', 'busybox', 'true']);
    expect(alone.stderr).toContain(
      'Error response from daemon: You should always set the Memory limit when using Memoryswap limit, see usage',
    );
    expect((await list(suite.w.session, true)).length).toBe(before);
  });

  rootIt(
    '/dev/shm: nosuid,nodev,noexec inside and on the host-side tmpfs (mode 1777, 64m); a binary there cannot run',
    async () => {
      const id = await sleeper([]);
      const hostSide = (await readFile('/proc/mounts', 'utf8')).split('\n').find((l) => l.includes(`${id}/shm `));
      expect(hostSide).toMatch(/ tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k\b/);
      const inside = await run(['exec', id, 'sh', '-c', 'grep " /dev/shm " /proc/mounts; stat -c %a /dev/shm']);
      expect(inside.stdout).toMatch(/^shm \/dev\/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k 0 0\n1777\n$/);
      const exec = await run(['exec', id, 'sh', '-c', 'cp /bin/busybox /dev/shm/bb && /dev/shm/bb true; echo "rc=$?"']);
      expect([exec.stdout, exec.stderr]).toEqual(['rc=126\n', 'sh: /dev/shm/bb: Permission denied\n']);
      await run(['rm', '-f', id]);
    },
  );

  rootIt(
    "--ulimit nofile=512:1024 sets both limits; without one the worker's are inherited (as Docker's containers inherit containerd's)",
    async () => {
      expect(await output(['--ulimit', 'nofile=512:1024'], 'ulimit -Sn; ulimit -Hn')).toBe('512\n1024\n');
      const own = /^Max open files\s+(\d+)\s+(\d+)/m.exec(await readFile('/proc/self/limits', 'utf8'))!;
      expect(await output([], 'ulimit -Sn; ulimit -Hn')).toBe(`${own[1]}\n${own[2]}\n`);
      const d = await suite.docker(['run', '--rm', '--ulimit', 'nproc=100:200', 'busybox', 'sh', '-c', 'ulimit -Hu']);
      expect(d.stdout).toBe('200\n');
    },
  );

  rootIt("--oom-score-adj 500 is the process's; by default 0 even when the worker's own is not", async () => {
    expect(await output(['--oom-score-adj', '500'], 'cat /proc/self/oom_score_adj')).toBe('500\n');
    const own = (await readFile('/proc/self/oom_score_adj', 'utf8')).trim();
    await writeFile('/proc/self/oom_score_adj', '300');
    try {
      expect(await output([], 'cat /proc/self/oom_score_adj')).toBe('0\n');
    } finally {
      await writeFile('/proc/self/oom_score_adj', own);
    }
    const i = await suite.docker(['create', '--oom-score-adj', '-5', '--ulimit', 'nofile=10:20', 'busybox', 'true']);
    const f = await suite.docker([
      'inspect',
      '--format',
      '{{.HostConfig.OomScoreAdj}} {{json .HostConfig.Ulimits}} {{.HostConfig.CgroupnsMode}}',
      i.stdout.trim(),
    ]);
    expect(f.stdout).toBe(`-5 [{"Name":"nofile","Hard":20,"Soft":10}] ${V2 ? 'private' : 'host'}\n`);
    await run(['rm', i.stdout.trim()]);
  });

  rootIt(
    APPARMOR
      ? 'apparmor=NAME on this AppArmor host is passed to runc'
      : 'apparmor=foo and label=… on this host (no AppArmor, no SELinux): refused at create, nothing created',
    async () => {
      const before = (await list(suite.w.session, true)).length;
      const aa = await run(['create', '--security-opt', 'apparmor=foo', 'busybox', 'true']);
      if (APPARMOR) {
        expect(aa.code).toBe(0);
        await run(['rm', aa.stdout.trim()]);
        return;
      }
      expect([aa.code, aa.stderr]).toEqual([
        1,
        'Error response from daemon: AppArmor is not enabled on this host: cannot apply --security-opt apparmor=foo\n',
      ]);
      const label = await suite.docker(['create', '--security-opt', 'label=type:foo_t', 'busybox', 'true']);
      expect(label.stderr).toContain(
        'Error response from daemon: SELinux is not enabled on this host: cannot apply --security-opt label=type:foo_t',
      );
      expect((await list(suite.w.session, true)).length).toBe(before);
      // asking for no confinement is what this host gives: accepted
      expect(
        await output(['--security-opt', 'apparmor=unconfined', '--security-opt', 'label=disable'], 'echo ok'),
      ).toBe('ok\n');
    },
  );
});
