import { promises as fs } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ContainerRecord } from '../../common/types';
import type { SimulatedDriver } from '../../runtime/drivers/simulated/driver';
import type { DockerStats } from '../../common/stats-api';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { docker, dockerClient, simulatedApiSuite } from '../api-harness';
import { cli, REPO, until } from '../harness';

// docker stats and docker update over the simulated driver, through the docker CLI and the project's CLI. The
// simulated driver runs nothing: its stats are its own numbers (runtime/drivers/simulated/sim-stats.ts: 4 MiB,
// 1% of a CPU, one process), its limits are recorded and written to its spec file.

const suite = simulatedApiSuite('res-sim');
const MiB = 1024 * 1024;

async function dockerOk(args: string[]): Promise<string> {
  const r = await docker(suite.api, args);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

describe('docker stats (simulated driver)', () => {
  it('the docker CLI and the project CLI show the simulated numbers under the container limits', async () => {
    const id = (await dockerOk(['run', '-d', '--name', 'sim-stats', '-m', '32m', 'busybox', 'sleep', '1000'])).trim();
    const line = await dockerOk(['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}} {{.PIDs}}', 'sim-stats']);
    expect(line.trim()).toBe('sim-stats 4MiB / 32MiB 1');
    const r = await cli(suite.w, ['stats', '--no-stream', '--json', 'sim-stats']);
    expect(r.code, r.stderr).toBe(0);
    const [s] = JSON.parse(r.stdout) as DockerStats[];
    expect(s!.id).toBe(id);
    expect(s!.memory_stats).toMatchObject({ usage: 4 * MiB, limit: 32 * MiB });
    // --no-stream: two samples a second apart, the first as precpu
    expect(Date.parse(s!.read) - Date.parse(s!.preread)).toBeGreaterThanOrEqual(900);
    expect(s!.cpu_stats.cpu_usage.total_usage).toBeGreaterThan(s!.precpu_stats.cpu_usage.total_usage);
    const table = await cli(suite.w, ['stats', '--no-stream', 'sim-stats']);
    expect(table.stdout).toMatch(/^CONTAINER ID\s+NAME\s+CPU %/);
    expect(table.stdout).toContain('4MiB / 32MiB');
    await dockerOk(['rm', '-f', id]);
  }, 60_000);

  it("an unknown container: Docker's 404 through both CLIs", async () => {
    const d = await docker(suite.api, ['stats', '--no-stream', 'nosuch']);
    expect(d.code).toBe(1);
    expect(d.stderr).toContain('No such container: nosuch');
    const c = await cli(suite.w, ['stats', '--no-stream', 'nosuch']);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('No such container: nosuch');
  });
});

async function inspect(ref: string): Promise<ContainerRecord> {
  return (JSON.parse(await dockerOk(['inspect', ref])) as ContainerRecord[])[0]!;
}

describe('docker update (simulated driver)', () => {
  it('a running container: the record, inspect and its spec get the new limits and policy; an `update` event', async () => {
    const id = (await dockerOk(['run', '-d', '--name', 'sim-upd', '-m', '32m', 'busybox', 'sleep', '1000'])).trim();
    const out = await dockerOk([
      'update',
      '-m',
      '48m',
      '--memory-swap',
      '96m',
      '--cpus',
      '0.5',
      '--pids-limit',
      '30',
      '--restart',
      'on-failure:3',
      '--cpu-shares',
      '300',
      'sim-upd',
    ]);
    expect(out.trim()).toBe('sim-upd');
    const hc = (await inspect(id)).HostConfig;
    expect(hc).toMatchObject({
      Memory: 48 * MiB,
      MemorySwap: 96 * MiB,
      NanoCpus: 5e8,
      PidsLimit: 30,
      CpuShares: 300,
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
    });
    const spec = JSON.parse(await fs.readFile((suite.sim.driver as SimulatedDriver).bundleConfig(id), 'utf8')) as {
      resources: Record<string, unknown>;
    };
    expect(spec.resources).toMatchObject({
      memory: 48 * MiB,
      memorySwap: 96 * MiB,
      nanoCpus: 5e8,
      pidsLimit: 30,
      cpuShares: 300,
    });
    const events = await dockerOk([
      'events',
      '--since',
      '0',
      '--until',
      String(Math.ceil(Date.now() / 1000) + 1),
      '--filter',
      `container=${id}`,
      '--filter',
      'event=update',
    ]);
    expect(events).toContain('container update');
    // through the project's CLI too
    const r = await cli(suite.w, ['update', '--pids-limit', '-1', 'sim-upd']);
    expect(r.code, r.stderr).toBe(0);
    expect((await inspect(id)).HostConfig.PidsLimit).toBeNull(); // unlimited, as Docker shows it
    await dockerOk(['rm', '-f', id]);
  }, 60_000);

  it('a stopped container: recorded only, and its next start reads it', async () => {
    const id = (
      await dockerOk(['create', '--name', 'sim-upd-stopped', '-m', '32m', 'busybox', 'sleep', '1000'])
    ).trim();
    await dockerOk(['update', '-m', '40m', 'sim-upd-stopped']);
    expect((await inspect(id)).HostConfig.Memory).toBe(40 * MiB);
    await dockerOk(['start', 'sim-upd-stopped']);
    const spec = JSON.parse(await fs.readFile((suite.sim.driver as SimulatedDriver).bundleConfig(id), 'utf8')) as {
      resources: { memory: number };
    };
    expect(spec.resources.memory).toBe(40 * MiB);
    await dockerOk(['rm', '-f', id]);
  }, 60_000);

  it.each([
    [['-m', '4m'], 'Minimum memory limit allowed is 6MB'],
    [
      ['-m', '256m'],
      'Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time',
    ],
    [['--restart', 'sometimes'], "invalid restart policy 'sometimes'"],
  ])(
    "docker update %j: Docker's error, nothing changed",
    async (flags, msg) => {
      const id = (
        await dockerOk(['create', '--rm', '--name', `sim-bad-${flags[1]}`, '-m', '32m', 'busybox', 'true'])
      ).trim();
      const before = (await inspect(id)).HostConfig;
      const r = await docker(suite.api, ['update', ...flags, id]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(msg);
      if (msg.startsWith('Memory limit')) expect(r.stderr).toContain(`Cannot update container ${id}: `);
      expect((await inspect(id)).HostConfig).toEqual(before);
      await dockerOk(['rm', '-f', id]);
    },
    60_000,
  );

  it("a restart policy on an AutoRemove container, a missing container: Docker's errors", async () => {
    const id = (await dockerOk(['create', '--rm', '--name', 'sim-upd-rm', 'busybox', 'true'])).trim();
    const r = await docker(suite.api, ['update', '--restart', 'always', id]);
    expect(r.stderr).toContain(
      `Cannot update container ${id}: Restart policy cannot be updated because AutoRemove is enabled for the container`,
    );
    await dockerOk(['rm', '-f', id]);
    const missing = await docker(suite.api, ['update', '-m', '64m', 'nosuch']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No such container: nosuch');
    const c = await cli(suite.w, ['update', '-m', '64m', 'nosuch']);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('No such container: nosuch');
  }, 60_000);
});

describe('--init and --stop-timeout (simulated driver)', () => {
  it('recorded and shown by inspect; the spec runs the command under docker-init', async () => {
    const id = (
      await dockerOk(['run', '-d', '--init', '--stop-timeout', '3', '--name', 'sim-init', 'busybox', 'sleep', '1000'])
    ).trim();
    const rec = await inspect(id);
    expect(rec.HostConfig.Init).toBe(true);
    expect(rec.Config.StopTimeout).toBe(3);
    const spec = JSON.parse(await fs.readFile((suite.sim.driver as SimulatedDriver).bundleConfig(id), 'utf8')) as {
      process: { args: string[] };
    };
    expect(spec.process.args).toEqual(['/sbin/docker-init', '--', 'sleep', '1000']);
    await dockerOk(['rm', '-f', id]);
    // a command that ends at once still does under the init
    const r = await docker(suite.api, ['run', '--rm', '--init', 'busybox', 'sh', '-c', 'exit 4']);
    expect(r.code).toBe(4);
  }, 60_000);
});

describe('--group-add and exec -u (simulated driver)', () => {
  it("an unknown group fails the start, an unknown exec user the exec (126): Docker's messages", async () => {
    const bad = await docker(suite.api, ['run', '--name', 'sim-grp', '--group-add', 'nosuch', 'busybox', 'true']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('Unable to find group nosuch: no matching entries in group file');
    expect((await inspect('sim-grp')).State.Running).toBe(false);
    await dockerOk(['rm', 'sim-grp']);
    const id = (await dockerOk(['run', '-d', '--group-add', 'nogroup', 'busybox', 'sleep', '1000'])).trim();
    expect((await inspect(id)).HostConfig.GroupAdd).toEqual(['nogroup']);
    const r = await docker(suite.api, ['exec', '-u', 'nosuch', id, 'true']);
    expect(r.code).toBe(126);
    expect(r.stdout + r.stderr).toContain('unable to find user nosuch: no matching entries in passwd file');
    expect((await docker(suite.api, ['exec', '-u', 'nobody', id, 'true'])).code).toBe(0);
    await dockerOk(['rm', '-f', id]);
  }, 60_000);
});

describe('--device (simulated driver)', () => {
  it('resolved on the host as the Linux driver does: a node starts, a missing one is Docker’s start error', async () => {
    const id = (await dockerOk(['run', '-d', '--device', '/dev/null:/dev/n:r', 'busybox', 'sleep', '1000'])).trim();
    expect((await inspect(id)).HostConfig.Devices).toEqual([
      { PathOnHost: '/dev/null', PathInContainer: '/dev/n', CgroupPermissions: 'r' },
    ]);
    await dockerOk(['rm', '-f', id]);
    const bad = await docker(suite.api, ['run', '--rm', '--device', '/dev/nosuch', 'busybox', 'true']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(
      'error gathering device information while adding custom device "/dev/nosuch": no such file or directory',
    );
  }, 60_000);
});

describe('the stats stream (simulated driver)', () => {
  it('docker-py: samples a second apart, and the stream ends when the container is removed', async () => {
    const id = (await dockerOk(['run', '-d', 'busybox', 'sleep', '1000'])).trim();
    const script =
      'import docker, json, sys, time\n' +
      'api = docker.from_env().api\n' +
      'it = api.stats(sys.argv[1], decode=True)\n' +
      'a, b = next(it), next(it)\n' +
      'api.remove_container(sys.argv[1], force=True)\n' +
      't = time.time(); rest = list(it)\n' +
      'print(json.dumps({"gap": b["read"] > a["read"], "pre": b["preread"] == a["read"], "rest": len(rest), "ended": time.time() - t}))';
    const r = await dockerClient('/usr/bin/python3', suite.api, ['-c', script, id], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { gap: boolean; pre: boolean; rest: number; ended: number };
    expect(out).toMatchObject({ gap: true, pre: true });
    expect(out.rest).toBeLessThanOrEqual(1); // at most the sample read before the removal
  }, 60_000);

  it('container-saga stats (streamed) redraws the table every second', async () => {
    const id = (await dockerOk(['run', '-d', '--name', 'sim-live', 'busybox', 'sleep', '1000'])).trim();
    const child = spawn(process.execPath, [path.join(REPO, 'bin/container-saga.cjs'), 'stats', 'sim-live'], {
      cwd: REPO,
      env: { ...process.env, TEMPORAL_ADDRESS: suite.w.address, CONTAINER_SAGA_TASK_QUEUE: suite.w.taskQueue },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await until('three tables', async () => (out.split('CONTAINER ID').length > 3 ? true : undefined), 30_000);
      expect(out).toContain('\x1b[2J\x1b[H');
      expect(out).toContain(`${id.slice(0, 12)}   sim-live`);
    } finally {
      child.kill('SIGINT');
      await dockerOk(['rm', '-f', id]);
    }
  }, 60_000);
});
