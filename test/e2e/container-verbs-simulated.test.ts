import { promises as fs } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ContainerEvent, ContainerRecord } from '../../common/types';
import { docker as dockerCli, simulatedApiSuite } from '../api-harness';
import { cli as projectCli } from '../harness';

// rename, top, container prune, system df and system prune through Debian's docker CLI, dockerode and the
// project's CLI, against the Engine API over the simulated runtime (an in-process worker on this file's own
// task queue). The tests run in order: the prunes come last, as they take every stopped container.

const suite = simulatedApiSuite('container-verbs');
let api: Docker;
const docker = (...args: string[]) => dockerCli(suite.api, args);
const project = (...args: string[]) => projectCli(suite.w, args);

beforeAll(() => {
  api = new Docker({ socketPath: suite.api.socketPath });
});

async function ok(p: Promise<{ code: number; stdout: string; stderr: string }>): Promise<string> {
  const r = await p;
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

async function inspect(ref: string): Promise<ContainerRecord> {
  return (JSON.parse(await ok(project('inspect', ref))) as ContainerRecord[])[0]!;
}

async function created(name: string, ...flags: string[]): Promise<string> {
  return (await ok(docker('create', '--name', name, ...flags, 'busybox', 'sleep', '1000'))).trim();
}

async function running(name: string, ...flags: string[]): Promise<string> {
  const id = await created(name, ...flags);
  await ok(docker('start', name));
  return id;
}

async function eventsOf(id: string): Promise<ContainerEvent[]> {
  const out = await ok(project('events', '--no-follow', '--json'));
  return out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ContainerEvent)
    .filter((e) => e.id === id);
}

describe('rename', () => {
  it("a taken, invalid, empty or same name is Docker's error and changes nothing; docker CLI, dockerode, project CLI", async () => {
    const a = await created('rn-a');
    const b = await created('rn-b');
    const taken = await docker('rename', 'rn-a', 'rn-b');
    expect([taken.code, taken.stdout, taken.stderr]).toEqual([
      1,
      '',
      `Error response from daemon: Error when allocating new name: Conflict. The container name "/rn-b" is already in use by container "${b}". You have to remove (or rename) that container to be able to reuse that name.\nError: failed to rename container named rn-a\n`,
    ]);
    const invalid = await docker('rename', 'rn-a', 'a b');
    expect(invalid.stderr).toBe(
      'Error response from daemon: Error when allocating new name: Invalid container name (/a b), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed\nError: failed to rename container named rn-a\n',
    );
    const same = await docker('rename', 'rn-a', 'rn-a');
    expect(same.stderr).toBe(
      'Error response from daemon: Renaming a container with the same name as its current name\nError: failed to rename container named rn-a\n',
    );
    const nosuch = await docker('rename', 'nosuch', 'rn-c');
    expect(nosuch.stderr).toBe(
      'Error response from daemon: No such container: nosuch\nError: failed to rename container named nosuch\n',
    );
    // dockerode: the statuses
    const status = (p: Promise<unknown>) =>
      p.then(
        () => 0,
        (e: { statusCode: number }) => e.statusCode,
      );
    expect(await status(api.getContainer('rn-a').rename({ name: 'rn-b' }))).toBe(409);
    expect(await status(api.getContainer('rn-a').rename({ name: 'a b' }))).toBe(400);
    expect(await status(api.getContainer('rn-a').rename({ name: '' }))).toBe(400);
    // the project's CLI words it as the docker CLI
    const mine = await project('rename', 'rn-a', 'rn-b');
    expect([mine.code, mine.stderr]).toEqual([1, taken.stderr]);
    expect((await inspect(a)).Name).toBe('/rn-a');
    expect((await inspect(b)).Name).toBe('/rn-b');
    expect((await eventsOf(a)).map((e) => e.action)).toEqual(['create']);
  });

  it('the name follows: links of the containers that name it, its own links, the rename event with oldName', async () => {
    const db = await running('rn-db0');
    const web = await running('rn-web0', '--link', 'rn-db0:db');
    await ok(docker('rename', 'rn-db0', 'rn-db1'));
    expect((await inspect(db)).Name).toBe('/rn-db1');
    await expect(inspect('rn-db0')).rejects.toThrow();
    const links = async () => (await ok(docker('inspect', '--format', '{{json .HostConfig.Links}}', web))).trim();
    expect(await links()).toBe('["/rn-db1:/rn-web0/db"]');
    await ok(project('rename', 'rn-web0', 'rn-web1'));
    expect(await links()).toBe('["/rn-db1:/rn-web1/db"]');
    // ps names the link under the new names, as Docker's Names does
    const names = (await api.listContainers({ all: true })).find((c) => c.Id === db)?.Names;
    expect(names).toEqual(['/rn-db1', '/rn-web1/db']);
    const renamed = (await eventsOf(db)).filter((e) => e.action === 'rename');
    expect(renamed).toEqual([expect.objectContaining({ name: 'rn-db1', attributes: { oldName: '/rn-db0' } })]);
    // as the docker CLI shows it, filtered by the event (`--until 0s` is the instant of the call: asked again
    // until both are in, should the second one's write land a moment after the rename answered)
    const seen = async () =>
      ok(
        docker(
          'events',
          '--since',
          '0',
          '--until',
          '0s',
          '--filter',
          'event=rename',
          '--format',
          '{{.Actor.Attributes.oldName}} {{.Actor.Attributes.name}}',
        ),
      );
    await expect.poll(seen, { timeout: 10_000 }).toBe('/rn-db0 rn-db1\n/rn-web0 rn-web1\n');
    // the name is free again
    expect(await created('rn-db0')).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a running container's name follows on its user networks: its DNSNames and its peers' hosts lines", async () => {
    await ok(docker('network', 'create', 'rn-net'));
    const svc = await running('rn-svc0', '--network', 'rn-net', '--network-alias', 'svc');
    const peer = await running('rn-peer', '--network', 'rn-net');
    const peerHosts = async () =>
      JSON.parse(
        await fs.readFile(path.join(suite.sim.driver.root, 'sim', 'bundles', peer, 'peer-hosts.json'), 'utf8'),
      ) as string[];
    expect((await peerHosts()).join('\n')).toContain(`rn-svc0 svc ${svc.slice(0, 12)}`);
    await ok(docker('rename', 'rn-svc0', 'rn-svc1'));
    expect((await inspect(svc)).NetworkSettings.Networks?.['rn-net']?.DNSNames).toEqual([
      'rn-svc1',
      'svc',
      svc.slice(0, 12),
    ]);
    const lines = (await peerHosts()).join('\n');
    expect(lines).toContain(`rn-svc1 svc ${svc.slice(0, 12)}`);
    expect(lines).not.toContain('rn-svc0');
  });
});

describe('top', () => {
  it("ps's header on the host (the simulated process is no host process); a stopped container and bad ps options are Docker's errors", async () => {
    const id = await running('tp-run');
    expect(await ok(docker('top', 'tp-run'))).toBe(
      'UID                 PID                 PPID                C                   STIME               TTY                 TIME                CMD\n',
    );
    expect(await api.getContainer(id).top({ ps_args: 'aux' })).toEqual({
      Titles: ['USER', 'PID', '%CPU', '%MEM', 'VSZ', 'RSS', 'TTY', 'STAT', 'START', 'TIME', 'COMMAND'],
      Processes: [],
    });
    expect(await ok(project('top', 'tp-run', '-o', 'pid,comm'))).toBe('PID                 COMMAND\n');
    const stopped = await created('tp-stopped');
    const r = await docker('top', 'tp-stopped');
    expect([r.code, r.stderr]).toEqual([1, `Error response from daemon: Container ${stopped} is not running\n`]);
    const relabel = await docker('top', 'tp-run', '-o', 'user=PID');
    expect(relabel.stderr).toBe('Error response from daemon: specifying "user=PID" is not allowed\n');
    const bad = await project('top', 'tp-run', '--bogus');
    expect([bad.code, bad.stderr]).toEqual([1, 'Error response from daemon: ps: error: unknown gnu long option\n']);
    expect((await inspect(id)).State.Running).toBe(true);
  });
});

describe('system df', () => {
  it("the API's disk usage (dockerode), the docker CLI's and the project CLI's tables", async () => {
    await ok(docker('volume', 'create', 'df-vol'));
    await created('df-user', '-v', 'df-vol:/data');
    const du = (await api.df()) as {
      LayersSize: number;
      Images: Array<{ Id: string; Containers: number; RepoTags: string[]; Size: number; SharedSize: number }>;
      Containers: Array<{ Names: string[]; SizeRw: number; SizeRootFs: number }>;
      Volumes: Array<{ Name: string; UsageData: { Size: number; RefCount: number } }>;
      BuildCache: unknown[];
    };
    const busybox = du.Images.find((i) => i.RepoTags.includes('busybox:latest'))!;
    const users = (await api.listContainers({ all: true })).filter((c) => c.ImageID === busybox.Id);
    expect(busybox.Containers).toBe(users.length);
    expect(busybox.SharedSize).toBe(0);
    expect(du.LayersSize).toBe(busybox.Size);
    expect(du.Containers.find((c) => c.Names[0] === '/df-user')).toMatchObject({ SizeRw: 0, SizeRootFs: busybox.Size });
    expect(du.Volumes.find((v) => v.Name === 'df-vol')?.UsageData).toEqual({ Size: 0, RefCount: 1 });
    expect(du.BuildCache).toEqual([]);
    const table = await ok(docker('system', 'df'));
    expect(table.split('\n')[0]).toBe('TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE');
    expect(table).toMatch(/^Local Volumes {3}\d+ +\d+ +0B +0B$/m);
    expect(table).toContain('Build Cache     0         0         0B        0B');
    const mine = await ok(project('system', 'df'));
    // the same numbers, but for the containers' count of this instant (none start or stop meanwhile)
    expect(mine).toBe(table);
    const verbose = await ok(project('system', 'df', '-v'));
    expect(verbose).toMatch(
      /^Images space usage:\n\nREPOSITORY +TAG +IMAGE ID +CREATED +SIZE +SHARED SIZE +UNIQUE SIZE +CONTAINERS\nbusybox +latest /,
    );
    expect(verbose).toMatch(/\nLocal Volumes space usage:\n\nVOLUME NAME +LINKS +SIZE\n(.*\n)*df-vol +1 +0B\n/);
    // the docker CLI's -v, but for the ages, statuses and sizes of this instant (a loaded machine's two reads
    // a moment apart can straddle a second or a writable layer's write)
    const aged = (t: string) =>
      t
        .replace(/(\d+|About an?|Less than a) \w+( ago)?/g, 'N')
        .replace(/\d+(\.\d+)?[kMG]?B\b/g, 'S')
        // the columns' padding follows the widest value of the instant
        .replace(/ +/g, ' ');
    expect(aged(await ok(docker('system', 'df', '-v')))).toBe(aged(verbose));
  });
});

describe('container prune and system prune', () => {
  it('container prune takes the stopped containers the filters take, never a running one', async () => {
    const old = await created('pr-old', '--label', 'prune=yes');
    const kept = await created('pr-kept', '--label', 'prune=no');
    const live = await running('pr-live', '--label', 'prune=yes');
    const bad = await docker('container', 'prune', '-f', '--filter', 'bogus=1');
    expect([bad.code, bad.stderr]).toEqual([1, "Error response from daemon: invalid filter 'bogus'\n"]);
    expect(await ok(docker('container', 'prune', '-f', '--filter', 'label=prune=yes'))).toBe(
      `Deleted Containers:\n${old}\n\nTotal reclaimed space: 0B\n`,
    );
    expect((await inspect(live)).State.Running).toBe(true);
    expect((await inspect(kept)).Name).toBe('/pr-kept');
    await expect(inspect(old)).rejects.toThrow();
    const report = await api.pruneContainers({ filters: { label: ['prune=no'] } });
    expect(report).toEqual({ ContainersDeleted: [kept], SpaceReclaimed: 0 });
    expect(await ok(project('container', 'prune', '-f', '--filter', 'label=prune=yes'))).toBe(
      'Total reclaimed space: 0B\n',
    );
  });

  it('system prune: stopped containers, unused networks, dangling images; running containers stay', async () => {
    const stopped = await created('sp-stopped');
    const live = await running('sp-live');
    await ok(docker('network', 'create', 'sp-unused'));
    const out = await ok(docker('system', 'prune', '-f'));
    expect(out).toMatch(new RegExp(`^Deleted Containers:\\n([0-9a-f]{64}\\n)*${stopped}\\n`));
    expect(out).toMatch(/\n\nDeleted Networks:\nsp-unused\n\nTotal reclaimed space: 0B\n$/);
    await expect(inspect(stopped)).rejects.toThrow();
    expect((await inspect(live)).State.Running).toBe(true);
    const left = await api.listContainers({ all: true });
    expect(left.every((c) => c.State === 'running')).toBe(true);
    await created('sp-again');
    await ok(docker('network', 'create', 'sp-unused2'));
    const mine = await ok(project('system', 'prune', '-f'));
    expect(mine).toMatch(
      /^Deleted Containers:\n[0-9a-f]{64}\n\nDeleted Networks:\nsp-unused2\n\nTotal reclaimed space: 0B\n$/,
    );
    // --volumes: the unused volume of the df test (every unused one, as Docker answers API 1.41's clients)
    const volumes = await ok(docker('system', 'prune', '-af', '--volumes'));
    expect(volumes).toContain('Deleted Volumes:\ndf-vol\n\n');
    expect(await ok(project('system', 'prune', '-a', '--volumes', '-f'))).toBe('Total reclaimed space: 0B\n');
    const until = await project('system', 'prune', '--volumes', '--filter', 'until=1h');
    expect([until.code, until.stderr]).toEqual([1, 'Error: The "until" filter is not supported with "--volumes"\n']);
  });
});
