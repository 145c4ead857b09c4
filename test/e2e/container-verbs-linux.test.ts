import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect } from 'vitest';
import { linuxApiSuite } from '../api-harness';
import { cli as projectCli } from '../harness';
import { testNetwork } from '../linux-fixture';

// rename, top, container prune and system df on real containers (Linux driver) through Debian's docker CLI and
// docker-py (Debian's python3-docker, /usr/bin/python3): top's rows are the host's ps rows of the container's
// cgroup, sizes are its overlay upper dir's bytes. Needs root (CI runs as root); its own netns, bridge, subnet.

const suite = linuxApiSuite('cs-cverbs-linux', testNetwork('e2e/container-verbs-linux'));
const rootIt = suite.it;
const run = (...args: string[]) => suite.docker(args);
const PYTHON = '/usr/bin/python3';

async function ok(...args: string[]): Promise<string> {
  const r = await run(...args);
  expect(r.code, `docker ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

/** Runs a docker-py script (DOCKER_HOST is the API's); its stdout parsed as JSON. */
async function py(script: string): Promise<unknown> {
  const r = await suite.client(PYTHON, ['-c', `import docker, json\nc = docker.from_env()\n${script}`]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('rename, top, prune and df (Linux driver, docker CLI and docker-py)', () => {
  rootIt("top lists the container's processes from the host's ps; stopped is Docker's 409", async () => {
    const id = (
      await ok('run', '-d', '--name', 'lt-top', 'busybox', 'sh', '-c', 'sleep 1001 & exec sleep 1000')
    ).trim();
    const pid = Number((await ok('inspect', '-f', '{{.State.Pid}}', id)).trim());
    const rel = suite.rt.driver.layout.cgroupsPath(id);
    const out = await ok('top', 'lt-top');
    const [head, ...rows] = out.trimEnd().split('\n');
    expect(head!.split(/\s+/)).toEqual(['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
    expect(rows.some((r) => r.endsWith('   sleep 1000') && r.split(/ +/)[1] === String(pid))).toBe(true);
    // the project's CLI prints the same table (Go's tabwriter widths), from the same ps
    // (C, the CPU share, may move between two ps runs on a loaded machine)
    const steady = (t: string) => t.replace(/^(\S+ +\d+ +\d+ +)\d+/gm, '$1C');
    const mine = await projectCli(suite.w, ['top', 'lt-top']);
    expect([mine.code, steady(mine.stdout)]).toEqual([0, steady(await ok('top', 'lt-top'))]);
    const top = (await py(`print(json.dumps(c.containers.get('lt-top').top(ps_args='-o pid,args')))`)) as {
      Titles: string[];
      Processes: string[][];
    };
    expect(top.Titles).toEqual(['PID', 'COMMAND']);
    expect(top.Processes).toEqual(expect.arrayContaining([[String(pid), 'sleep 1000']]));
    expect(top.Processes.map((p) => p[1])).toEqual(expect.arrayContaining(['sleep 1001']));
    // every row is a process of the container's cgroup (v1 here: a controller's; v2: the unified one)
    const cgroup = await Promise.any(
      ['', 'pids', 'freezer', 'memory'].map((c) =>
        fs.readFile(path.join('/sys/fs/cgroup', c, rel, 'cgroup.procs'), 'utf8'),
      ),
    );
    const inCgroup = cgroup.split('\n').filter(Boolean).sort();
    expect(top.Processes.map((p) => p[0]).sort()).toEqual(inCgroup);
    await ok('stop', '-t', '0', 'lt-top');
    const stopped = await run('top', 'lt-top');
    expect([stopped.code, stopped.stderr]).toEqual([1, `Error response from daemon: Container ${id} is not running\n`]);
    const err = (await py(
      `try:\n  c.containers.get('lt-top').top()\nexcept docker.errors.APIError as e:\n  print(json.dumps([e.status_code, e.explanation]))`,
    )) as [number, string];
    expect(err).toEqual([409, `Container ${id} is not running`]);
  });

  rootIt(
    "rename of a running container through docker-py: exec and links follow; a taken name is Docker's 409",
    async () => {
      const db = (await ok('run', '-d', '--name', 'lt-db', 'busybox', 'sleep', '1000')).trim();
      const other = (await ok('create', '--name', 'lt-other', 'busybox', 'true')).trim();
      await ok('run', '-d', '--name', 'lt-web', '--link', 'lt-db:db', 'busybox', 'sleep', '1000');
      const conflict = (await py(
        `try:\n  c.containers.get('lt-db').rename('lt-other')\nexcept docker.errors.APIError as e:\n  print(json.dumps([e.status_code, e.explanation]))`,
      )) as [number, string];
      expect(conflict).toEqual([
        409,
        `Error when allocating new name: Conflict. The container name "/lt-other" is already in use by container "${other}". You have to remove (or rename) that container to be able to reuse that name.`,
      ]);
      expect(
        await py(`c.containers.get('lt-db').rename('lt-db2'); print(json.dumps(c.containers.get('${db}').name))`),
      ).toBe('lt-db2');
      expect(await ok('exec', 'lt-db2', 'echo', 'here')).toBe('here\n');
      expect((await ok('inspect', '-f', '{{json .HostConfig.Links}}', 'lt-web')).trim()).toBe('["/lt-db2:/lt-web/db"]');
      // the link keeps working across a restart of its parent: it names the new name now
      await ok('restart', '-t', '0', 'lt-web');
      expect(await ok('exec', 'lt-web', 'sh', '-c', 'grep -c db /etc/hosts')).not.toBe('0\n');
      await ok('rm', '-f', 'lt-web', 'lt-db2', 'lt-other');
    },
  );

  rootIt("a running container's name follows on its user network: the peer's /etc/hosts and ping", async () => {
    // a network from Docker's default pools, inside this file's host netns (as compose-linux's)
    await ok('network', 'create', 'lt-net');
    const svc = (await ok('run', '-d', '--name', 'lt-svc', '--network', 'lt-net', 'busybox', 'sleep', '1000')).trim();
    await ok('run', '-d', '--name', 'lt-peer', '--network', 'lt-net', 'busybox', 'sleep', '1000');
    expect(await ok('exec', 'lt-peer', 'ping', '-c1', '-W2', 'lt-svc')).toContain('1 packets received');
    await ok('rename', 'lt-svc', 'lt-svc2');
    const hosts = await ok('exec', 'lt-peer', 'cat', '/etc/hosts');
    expect(hosts).toMatch(new RegExp(`\\tlt-svc2 ${svc.slice(0, 12)}$`, 'm'));
    expect(hosts).not.toMatch(/\blt-svc\b/);
    expect(await ok('exec', 'lt-peer', 'ping', '-c1', '-W2', 'lt-svc2')).toContain('1 packets received');
    expect((await run('exec', 'lt-peer', 'ping', '-c1', '-W2', 'lt-svc')).code).not.toBe(0);
    await ok('rm', '-f', 'lt-svc2', 'lt-peer');
    await ok('network', 'rm', 'lt-net');
  });

  rootIt('system df sizes the writable layer; container prune removes it and reclaims those bytes', async () => {
    // dd's report goes to the run's output: the ID comes from inspect
    await ok(
      'run',
      '--name',
      'lt-writer',
      '--label',
      'lt=prune',
      'busybox',
      'dd',
      'if=/dev/zero',
      'of=/blob',
      'bs=1024',
      'count=100',
    );
    const id = (await ok('inspect', '-f', '{{.Id}}', 'lt-writer')).trim();
    const du = (await py(`print(json.dumps(c.df()))`)) as {
      Containers: Array<{ Names: string[]; Id: string; SizeRw: number; SizeRootFs: number }>;
      Images: Array<{ RepoTags: string[]; Size: number; Containers: number }>;
    };
    const writer = du.Containers.find((c) => c.Names[0] === '/lt-writer')!;
    expect(writer.SizeRw).toBeGreaterThanOrEqual(102_400);
    expect(writer.SizeRw).toBeLessThan(110_000);
    const busybox = du.Images.find((i) => i.RepoTags.includes('busybox:latest'))!;
    expect(writer.SizeRootFs).toBe(writer.SizeRw + busybox.Size);
    expect(busybox.Containers).toBeGreaterThanOrEqual(1);
    // the docker CLI's -v and the project's, but for the ages of this instant
    // ages, statuses and sizes of this instant: two reads a moment apart on a loaded machine may straddle them
    const aged = (t: string) =>
      t
        .replace(/(\d+|About an?|Less than a) \w+( ago)?/g, 'N')
        .replace(/\d+(\.\d+)?[kMG]?B\b/g, 'S')
        // the columns' padding follows the widest value of the instant
        .replace(/ +/g, ' ');
    const mine = await projectCli(suite.w, ['system', 'df', '-v']);
    expect(mine.code, mine.stderr).toBe(0);
    expect(aged(await ok('system', 'df', '-v'))).toBe(aged(mine.stdout));
    const table = await ok('system', 'df');
    expect(table).toMatch(/^Containers +\d+ +\d+ +\d+(\.\d+)?kB +\d+(\.\d+)?kB \(\d+%\)$/m);
    const live = (await ok('run', '-d', '--name', 'lt-live', '--label', 'lt=prune', 'busybox', 'sleep', '1000')).trim();
    const pruned = (await py(`print(json.dumps(c.containers.prune(filters={'label': 'lt=prune'})))`)) as {
      ContainersDeleted: string[];
      SpaceReclaimed: number;
    };
    expect(pruned).toEqual({ ContainersDeleted: [id], SpaceReclaimed: writer.SizeRw });
    expect((await ok('inspect', '-f', '{{.State.Running}}', live)).trim()).toBe('true');
    await expect(fs.stat(suite.rt.driver.layout.container(id))).rejects.toThrow();
    await ok('rm', '-f', 'lt-live');
  });
});
