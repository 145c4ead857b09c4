import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect } from 'vitest';
import { linuxApiSuite } from '../api-harness';
import { testNetwork } from '../linux-fixture';
import type { DockerStats } from '../../common/stats-api';
import type { ContainerRecord } from '../../common/types';
import { cli, until } from '../harness';
import { leaksOf } from '../../runtime/drivers/linux/probe';

// Issue 27's resource verbs on real containers (runc): docker stats against the container's cgroup files and
// its netns's counters, through the docker CLI and docker-py. Needs root: without it every test FAILS.

const suite = linuxApiSuite('cs-e2e-stats', testNetwork('e2e/stats-update-linux'));
const rootIt = suite.it;
const V2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
const MB = 1024 * 1024;
const sh = promisify(execFile);
const runCli = (args: string[]) => cli(suite.w, args);

/** A file of the container's cgroup (v2: its one directory; v1: the controller's hierarchy). */
async function cgroupFile(id: string, controller: string, file: string): Promise<string> {
  const dir = V2 ? `/sys/fs/cgroup/container-saga/${id}` : `/sys/fs/cgroup/${controller}/container-saga/${id}`;
  return (await readFile(`${dir}/${file}`, 'utf8')).trim();
}
const memoryUsage = (id: string) => cgroupFile(id, 'memory', V2 ? 'memory.current' : 'memory.usage_in_bytes');
async function cpuUsage(id: string): Promise<number> {
  if (!V2) return Number(await cgroupFile(id, 'cpuacct', 'cpuacct.usage'));
  return Number(/usage_usec (\d+)/.exec(await cgroupFile(id, 'cpu', 'cpu.stat'))![1]) * 1000;
}
/** eth0's counter as the container's netns shows it (`ip netns exec` mounts that namespace's /sys). */
async function netCounter(id: string, counter: string): Promise<number> {
  const { stdout } = await sh('ip', [
    'netns',
    'exec',
    `cs-${id.slice(0, 12)}`,
    'cat',
    `/sys/class/net/eth0/statistics/${counter}`,
  ]);
  return Number(stdout.trim());
}

/**
 * docker-py's stats (Debian's python3-docker 5, which has no one_shot argument: its low-level GET then) against
 * the API, parsed.
 */
async function pyStats(id: string, params: string): Promise<DockerStats> {
  const script =
    'import docker, json, sys\n' +
    'api = docker.from_env().api\n' +
    `r = api._get(api._url('/containers/{0}/stats', sys.argv[1]), params=${params})\n` +
    'print(json.dumps(api._result(r, json=True)))';
  const r = await suite.client('/usr/bin/python3', ['-c', script, id]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as DockerStats;
}

async function sleeper(flags: string[]): Promise<string> {
  const r = await suite.docker(['run', '-d', ...flags, 'busybox', 'sleep', '300']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

describe('docker stats (Linux driver)', () => {
  rootIt(
    "one-shot through docker-py: the cgroup's memory, CPU and pids, the limits, eth0's counters",
    async () => {
      const id = await sleeper(['--name', 'stats-one', '-m', '64m', '--pids-limit', '20']);
      try {
        // ping the gateway so that eth0 has counted something
        expect((await suite.docker(['exec', id, 'ping', '-c', '2', '-W', '1', '10.155.0.1'])).code).toBe(0);
        const cpuBefore = await cpuUsage(id);
        const rxBefore = await netCounter(id, 'rx_bytes');
        const s = await pyStats(id, "{'stream': 'false', 'one-shot': 'true'}");
        const cpuAfter = await cpuUsage(id);
        const rxAfter = await netCounter(id, 'rx_bytes');
        expect(s.id).toBe(id);
        expect(s.name).toBe('/stats-one');
        expect(s.pids_stats).toEqual({ current: Number(await cgroupFile(id, 'pids', 'pids.current')), limit: 20 });
        expect(s.pids_stats.current).toBeGreaterThanOrEqual(1);
        expect(s.memory_stats.limit).toBe(64 * MB);
        // a sleeping busybox's memory does not move between the sample and this read
        expect(s.memory_stats.usage).toBe(Number(await memoryUsage(id)));
        expect(s.memory_stats.stats![V2 ? 'anon' : 'rss']).toBeTypeOf('number');
        expect(s.cpu_stats.cpu_usage.total_usage).toBeGreaterThanOrEqual(cpuBefore);
        expect(s.cpu_stats.cpu_usage.total_usage).toBeLessThanOrEqual(cpuAfter);
        expect(s.cpu_stats.system_cpu_usage).toBeGreaterThan(0);
        expect(s.cpu_stats.online_cpus).toBeGreaterThan(0);
        expect(s.networks!.eth0!.rx_bytes).toBeGreaterThanOrEqual(rxBefore);
        expect(s.networks!.eth0!.rx_bytes).toBeLessThanOrEqual(rxAfter);
        expect(s.networks!.eth0!.tx_packets).toBeGreaterThanOrEqual(2);
        expect(s.precpu_stats.cpu_usage.total_usage).toBe(0); // one-shot: no previous sample
        expect(s.blkio_stats.io_service_bytes_recursive).toBeInstanceOf(Array);
      } finally {
        await suite.docker(['rm', '-f', id]);
      }
    },
    60_000,
  );

  rootIt(
    'a stream gives a sample a second, each with the previous CPU; --no-stream prints the table once',
    async () => {
      const id = await sleeper(['--name', 'stats-stream']);
      try {
        const script =
          'import docker, json, sys\n' +
          'it = docker.from_env().api.stats(sys.argv[1], decode=True)\n' +
          'print(json.dumps([next(it) for _ in range(3)]))';
        const r = await suite.client('/usr/bin/python3', ['-c', script, id]);
        expect(r.code, r.stderr).toBe(0);
        const samples = JSON.parse(r.stdout) as DockerStats[];
        expect(samples[1]!.preread).toBe(samples[0]!.read);
        expect(samples[2]!.precpu_stats).toEqual(samples[1]!.cpu_stats);
        const gap = Date.parse(samples[2]!.read) - Date.parse(samples[1]!.read);
        expect(gap).toBeGreaterThanOrEqual(900);

        const table = await suite.docker(['stats', '--no-stream', 'stats-stream']);
        expect(table.code, table.stderr).toBe(0);
        const [head, row] = table.stdout.trim().split('\n');
        expect(head).toMatch(
          /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/,
        );
        expect(row).toMatch(new RegExp(`^${id.slice(0, 12)}\\s+stats-stream\\s+\\d+\\.\\d\\d%\\s+\\S+ / \\S+\\s+`));
        expect(row).toMatch(/\s1$/); // one process
      } finally {
        await suite.docker(['rm', '-f', id]);
      }
    },
    60_000,
  );

  rootIt(
    "a stopped container's sample is Docker's zero one; an unknown container is Docker's 404",
    async () => {
      const created = await suite.docker(['create', '--name', 'stats-stopped', 'busybox', 'true']);
      expect(created.code, created.stderr).toBe(0);
      const id = created.stdout.trim();
      try {
        const s = await pyStats(id, "{'stream': 'false'}");
        expect(s.read).toBe('0001-01-01T00:00:00Z');
        expect(s.name).toBe('/stats-stopped');
        expect(s.memory_stats).toEqual({});
        const missing = await suite.docker(['stats', '--no-stream', 'nosuch']);
        expect(missing.code).toBe(1);
        expect(missing.stderr).toContain('No such container: nosuch');
      } finally {
        await suite.docker(['rm', '-f', id]);
      }
    },
    60_000,
  );
});

async function inspect(ref: string): Promise<ContainerRecord> {
  const r = await suite.docker(['inspect', ref]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as ContainerRecord[])[0]!;
}

describe('docker update (Linux driver)', () => {
  rootIt(
    "a running container's cgroup gets the new memory, swap, CPU quota and pids limit; inspect shows them",
    async () => {
      const id = await sleeper(['--name', 'upd-live', '-m', '64m', '--pids-limit', '20', '--cpu-shares', '512']);
      expect(await cgroupFile(id, 'cpu', V2 ? 'cpu.weight' : 'cpu.shares')).toBe(V2 ? '20' : '512');
      try {
        const r = await suite.docker([
          'update',
          '-m',
          '96m',
          '--memory-swap',
          '192m',
          '--cpus',
          '0.5',
          '--pids-limit',
          '40',
          '--cpu-shares',
          '256',
          'upd-live',
        ]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout.trim()).toBe('upd-live');
        expect(await cgroupFile(id, 'pids', 'pids.max')).toBe('40');
        // runc writes v2's cpu.weight from the shares (1 + (shares - 2) * 9999 / 262142)
        expect(await cgroupFile(id, 'cpu', V2 ? 'cpu.weight' : 'cpu.shares')).toBe(V2 ? '10' : '256');
        if (V2) {
          expect(await cgroupFile(id, 'memory', 'memory.max')).toBe(String(96 * MB));
          expect(await cgroupFile(id, 'memory', 'memory.swap.max')).toBe(String(96 * MB));
          expect(await cgroupFile(id, 'cpu', 'cpu.max')).toBe('50000 100000');
        } else {
          expect(await cgroupFile(id, 'memory', 'memory.limit_in_bytes')).toBe(String(96 * MB));
          expect(await cgroupFile(id, 'memory', 'memory.memsw.limit_in_bytes')).toBe(String(192 * MB));
          expect(await cgroupFile(id, 'cpu', 'cpu.cfs_quota_us')).toBe('50000');
        }
        expect((await inspect(id)).HostConfig).toMatchObject({
          Memory: 96 * MB,
          MemorySwap: 192 * MB,
          NanoCpus: 5e8,
          PidsLimit: 40,
          CpuShares: 256,
        });
        // the stats read the new limit
        expect((await pyStats(id, "{'stream': 'false', 'one-shot': 'true'}")).memory_stats.limit).toBe(96 * MB);
      } finally {
        await suite.docker(['rm', '-f', id]);
      }
    },
    60_000,
  );

  rootIt(
    "memory below what the container uses: the kernel's refusal as Docker's `Cannot update container`, nothing changed",
    async () => {
      // 20 MB in /dev/shm: tmpfs pages the kernel cannot reclaim without swap
      const r = await suite.docker([
        'run',
        '-d',
        '--name',
        'upd-busy',
        '-m',
        '64m',
        'busybox',
        'sh',
        '-c',
        'dd if=/dev/zero of=/dev/shm/f bs=1M count=20 && touch /tmp/ready && sleep 300',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const id = r.stdout.trim();
      try {
        await until('the shm file', async () =>
          (await suite.docker(['exec', id, 'test', '-e', '/tmp/ready'])).code === 0 ? true : undefined,
        );
        const limitFile = V2 ? 'memory.max' : 'memory.limit_in_bytes';
        const refused = await suite.docker(['update', '-m', '8m', '--memory-swap', '8m', id]);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(`Cannot update container ${id}: `);
        expect(await cgroupFile(id, 'memory', limitFile)).toBe(String(64 * MB));
        expect((await inspect(id)).HostConfig).toMatchObject({ Memory: 64 * MB, MemorySwap: 128 * MB });
      } finally {
        await suite.docker(['rm', '-f', id]);
      }
    },
    60_000,
  );

  rootIt(
    "the monitor's restart decision reads the updated policy; a stopped container is updated in its record only",
    async () => {
      const r = await suite.docker(['run', '-d', '--name', 'upd-policy', 'busybox', 'sh', '-c', 'sleep 2; exit 3']);
      expect(r.code, r.stderr).toBe(0);
      const id = r.stdout.trim();
      try {
        expect((await suite.docker(['update', '--restart', 'on-failure:1', id])).code).toBe(0);
        // restarted once by the new policy, then left exited (its retries spent)
        await until('one restart', async () => ((await inspect(id)).RestartCount === 1 ? true : undefined), 30_000);
        const done = await until(
          'the second exit',
          async () => {
            const rec = await inspect(id);
            return !rec.State.Running && !rec.State.Restarting && rec.RestartCount === 1 ? rec : undefined;
          },
          30_000,
        );
        expect(done.State.ExitCode).toBe(3);
        expect(done.HostConfig.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 1 });
        // stopped: recorded, no cgroup to change
        expect((await suite.docker(['update', '--pids-limit', '7', id])).code).toBe(0);
        expect((await inspect(id)).HostConfig.PidsLimit).toBe(7);
      } finally {
        await suite.docker(['rm', '-f', id]);
      }
    },
    90_000,
  );
});

/** Seconds a `docker stop` (no -t) of `ref` takes. */
async function timedStop(ref: string): Promise<number> {
  const t0 = Date.now();
  const r = await suite.docker(['stop', ref]);
  expect(r.code, r.stderr).toBe(0);
  return (Date.now() - t0) / 1000;
}

/** Zombie processes in the container (from its /proc). */
async function zombies(id: string): Promise<number> {
  const r = await suite.docker(['exec', id, 'sh', '-c', 'cat /proc/[0-9]*/status | grep -c "^State:.*zombie" || true']);
  expect(r.code, r.stderr).toBe(0);
  return Number(r.stdout.trim());
}

describe('--init and --stop-timeout (Linux driver)', () => {
  rootIt(
    "--init: tini is PID 1 (bound read-only at /sbin/docker-init), the command under `--`; inspect keeps Docker's Path",
    async () => {
      const r = await suite.docker([
        'run',
        '--rm',
        '--init',
        'busybox',
        'sh',
        '-c',
        'tr "\\0" " " < /proc/1/cmdline; echo; touch /sbin/docker-init 2>/dev/null || echo ro',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n')[0]).toBe(
        '/sbin/docker-init -- sh -c tr "\\0" " " < /proc/1/cmdline; echo; touch /sbin/docker-init 2>/dev/null || echo ro ',
      );
      expect(r.stdout).toContain('ro\n');
      const id = await sleeper(['--init', '--name', 'init-path']);
      try {
        const rec = await inspect(id);
        expect([rec.Path, rec.Args, rec.HostConfig.Init]).toEqual(['sleep', ['300'], true]);
      } finally {
        await suite.docker(['rm', '-f', id]);
      }
    },
    60_000,
  );

  rootIt(
    '--init reaps an orphan that PID 1 `sleep` would leave a zombie',
    async () => {
      // the subshell's child is orphaned to PID 1, which then becomes `sleep` (and never waits) without --init
      const script = '(sleep 0.2 &); exec sleep 300';
      const bare = (await suite.docker(['run', '-d', 'busybox', 'sh', '-c', script])).stdout.trim();
      const init = (await suite.docker(['run', '-d', '--init', 'busybox', 'sh', '-c', script])).stdout.trim();
      try {
        await until('the orphan to be a zombie under a bare PID 1', async () =>
          (await zombies(bare)) === 1 ? true : undefined,
        );
        expect(await zombies(init)).toBe(0);
      } finally {
        await suite.docker(['rm', '-f', bare, init]);
      }
    },
    60_000,
  );

  rootIt(
    '--stop-timeout: stop waits that long before SIGKILL (inspect shows it); under --init a SIGTERM ends `sleep` at once',
    async () => {
      const slow = await sleeper(['--stop-timeout', '2', '--name', 'stop-slow']);
      const fast = await sleeper(['--init', '--stop-timeout', '30', '--name', 'stop-fast']);
      try {
        expect((await inspect(slow)).Config.StopTimeout).toBe(2);
        // PID 1 `sleep` has no SIGTERM handler: the kernel ignores the signal for it, so SIGKILL after 2 s
        const waited = await timedStop(slow);
        expect(waited).toBeGreaterThanOrEqual(2);
        expect(waited).toBeLessThan(9); // not the default 10 s
        expect((await inspect(slow)).State.ExitCode).toBe(137);
        // tini forwards SIGTERM to sleep, which dies of it: far below the 30 s timeout
        expect(await timedStop(fast)).toBeLessThan(20);
        expect((await inspect(fast)).State.ExitCode).toBe(143);
      } finally {
        await suite.docker(['rm', '-f', slow, fast]);
      }
    },
    90_000,
  );
});

describe('--group-add and exec -u (Linux driver)', () => {
  rootIt(
    "--group-add: names from the image's /etc/group and numbers, after the user's own; an unknown name fails the start",
    async () => {
      const r = await suite.docker([
        'run',
        '--rm',
        '--group-add',
        'nogroup',
        '--group-add',
        '4242',
        'busybox',
        'id',
        '-G',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('0 4242 65534\n'); // the kernel keeps supplementary groups sorted
      const bad = await suite.docker(['run', '--name', 'grp-bad', '--group-add', 'nosuch', 'busybox', 'true']);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('Unable to find group nosuch: no matching entries in group file');
      const rec = await inspect('grp-bad');
      expect(rec.State.Running).toBe(false);
      expect(rec.HostConfig.GroupAdd).toEqual(['nosuch']);
      expect(await leaksOf(suite.rt.root, rec.Id)).toEqual([]);
      await suite.docker(['rm', 'grp-bad']);
    },
    60_000,
  );

  rootIt(
    "exec -u: a name or uid[:gid] as in run -u, HOME from passwd, the container's --group-add too; an unknown user is Docker's message, exit 126",
    async () => {
      const id = await sleeper(['--group-add', '4242', '--name', 'exec-user']);
      try {
        const named = await suite.docker([
          'exec',
          '-u',
          'nobody',
          id,
          'sh',
          '-c',
          'echo $(id -u):$(id -g) $(id -G) $HOME',
        ]);
        expect(named.stdout).toBe('65534:65534 65534 4242 /nonexistent\n');
        const numeric = await suite.docker(['exec', '-u', '1234:5678', id, 'sh', '-c', 'echo $(id -u):$(id -g) $HOME']);
        expect(numeric.stdout).toBe('1234:5678 /\n');
        expect((await suite.docker(['exec', id, 'id', '-u'])).stdout).toBe('0\n'); // the container's user otherwise
        const missing = await suite.docker(['exec', '-u', 'nosuch', id, 'true']);
        expect(missing.code).toBe(126);
        expect(missing.stdout + missing.stderr).toContain(
          'unable to find user nosuch: no matching entries in passwd file',
        );
        const cli = await suite.docker(['exec', '-u', 'nosuch:nogroup', id, 'true']);
        expect(cli.code).toBe(126);
        // the project's CLI the same
        const own = await runCli(['exec', '-u', 'nosuch', id, 'true']);
        expect(own.code).toBe(126);
        expect(own.stderr).toContain('unable to find user nosuch: no matching entries in passwd file');
      } finally {
        await suite.docker(['rm', '-f', id]);
      }
    },
    60_000,
  );
});

describe('--device (Linux driver)', () => {
  rootIt(
    'a host device node in the container with its cgroup rule; the permissions hold; a missing one fails the start',
    async () => {
      // /dev/fuse (10:229) is none of runc's default devices: without --device it is neither there nor allowed
      const absent = await suite.docker(['run', '--rm', 'busybox', 'sh', '-c', 'test -e /dev/fuse || echo absent']);
      expect(absent.stdout).toBe('absent\n');
      const rw = await suite.docker([
        'run',
        '--rm',
        '--device',
        '/dev/fuse',
        'busybox',
        'sh',
        '-c',
        'stat -c "%F %t:%T" /dev/fuse; exec 3</dev/fuse && echo opened',
      ]);
      expect(rw.code, rw.stderr).toBe(0);
      expect(rw.stdout).toBe('character special file a:e5\nopened\n');
      const writeOnly = await suite.docker([
        'run',
        '--rm',
        '--device',
        '/dev/fuse:/dev/myfuse:w',
        'busybox',
        'sh',
        '-c',
        'exec 4>/dev/myfuse && echo w-ok; exec 3</dev/myfuse && echo r-ok',
      ]);
      expect(writeOnly.stdout).toContain('w-ok');
      expect(writeOnly.stdout).not.toContain('r-ok');
      expect(writeOnly.stdout + writeOnly.stderr).toContain('Operation not permitted');

      const missing = await suite.docker([
        'run',
        '--name',
        'dev-missing',
        '--device',
        '/dev/nosuch',
        'busybox',
        'true',
      ]);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain(
        'error gathering device information while adding custom device "/dev/nosuch": no such file or directory',
      );
      const rec = await inspect('dev-missing');
      expect(rec.State.Running).toBe(false);
      expect(rec.HostConfig.Devices).toEqual([
        { PathOnHost: '/dev/nosuch', PathInContainer: '/dev/nosuch', CgroupPermissions: 'rwm' },
      ]);
      expect(await leaksOf(suite.rt.root, rec.Id)).toEqual([]);
      await suite.docker(['rm', 'dev-missing']);
      const badMode = await suite.docker(['run', '--rm', '--device', '/dev/fuse:/dev/f:rx', 'busybox', 'true']);
      expect(badMode.code).toBe(125);
      expect(badMode.stderr).toContain('bad mode specified: rx');
    },
    60_000,
  );
});

describe('--cap-add/--cap-drop and --ulimit behave as Docker (Linux driver)', () => {
  rootIt(
    "--cap-drop NET_RAW takes ping's raw socket away (Docker's default set has it); --cap-add gives back what was dropped; --ulimit fsize stops a write",
    async () => {
      const ping = (flags: string[]) =>
        suite.docker(['run', '--rm', ...flags, 'busybox', 'ping', '-c', '1', '-W', '2', '10.155.0.1']);
      expect((await ping([])).code).toBe(0);
      const dropped = await ping(['--cap-drop', 'NET_RAW']);
      expect(dropped.code).not.toBe(0);
      expect(dropped.stdout + dropped.stderr).toMatch(/permission denied|Operation not permitted/i);
      expect((await ping(['--cap-drop', 'ALL', '--cap-add', 'NET_RAW'])).code).toBe(0);
      // chown needs CAP_CHOWN, which Docker's default set has and --cap-drop takes
      const chown = await suite.docker(['run', '--rm', '--cap-drop', 'CHOWN', 'busybox', 'chown', '1:1', '/tmp']);
      expect(chown.code).not.toBe(0);
      expect(chown.stdout + chown.stderr).toContain('Operation not permitted');
      // RLIMIT_FSIZE: a write past 1 KiB is refused (SIGXFSZ ends dd, as it would any process)
      const big = await suite.docker([
        'run',
        '--rm',
        '--ulimit',
        'fsize=1024:1024',
        'busybox',
        'sh',
        '-c',
        'dd if=/dev/zero of=/tmp/f bs=4096 count=1 2>/dev/null; echo $?; wc -c < /tmp/f',
      ]);
      expect(big.code, big.stderr).toBe(0);
      const [status, size] = big.stdout.trim().split('\n');
      expect(Number(status)).not.toBe(0);
      expect(Number(size)).toBeLessThanOrEqual(1024);
    },
    60_000,
  );
});
