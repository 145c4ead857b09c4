import { promises as fs } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { beforeAll, describe, expect, it } from 'vitest';
import { docker as dockerCli, simulatedApiSuite } from '../api-harness';
import { cli as projectCli } from '../harness';
import { readsServed } from '../reads-probe';

// The volumes API through dockerode and Debian's docker CLI, unchanged, against the Engine API over the
// simulated runtime (an in-process worker on this file's own task queue).

const suite = simulatedApiSuite('api-volumes');
let docker: Docker;
const cli = (...args: string[]) => dockerCli(suite.api, args);

beforeAll(() => {
  docker = new Docker({ socketPath: suite.api.socketPath });
});

/** The status and message of a dockerode call that fails. */
async function failure(p: Promise<unknown>): Promise<[number, string]> {
  try {
    await p;
  } catch (err) {
    const e = err as { statusCode: number; json?: { message: string } };
    return [e.statusCode, e.json?.message ?? ''];
  }
  throw new Error('expected the call to fail');
}

describe('volumes API (dockerode)', () => {
  it('create with labels, ls with a label filter, inspect; a taken name answers with the volume there is', async () => {
    // dockerode answers a create with a handle (it reads the name back): the record is inspect's
    const handle = await docker.createVolume({ Name: 'vol-db', Labels: { suite: 'volumes', tier: 'db' } });
    const made = await docker.getVolume(handle.name).inspect();
    expect(made).toMatchObject({
      Name: 'vol-db',
      Driver: 'local',
      Scope: 'local',
      Labels: { suite: 'volumes', tier: 'db' },
    });
    expect(made.Mountpoint).toBe(suite.sim.driver.layout.volume('vol-db'));
    await docker.createVolume({ Name: 'vol-web', Labels: { suite: 'volumes', tier: 'web' } });
    const listed = await docker.listVolumes({ filters: JSON.stringify({ label: ['tier=db'] }) });
    expect(listed.Volumes.map((v) => v.Name)).toEqual(['vol-db']);
    expect(listed.Warnings).toEqual([]);
    // ls and inspect are reads (Updates of the queue's reads workflow), not a workflow run each
    const inspects = await readsServed(suite.w.client, suite.w.taskQueue, 'volumeInspect');
    await docker.getVolume('vol-db').inspect();
    expect(await readsServed(suite.w.client, suite.w.taskQueue, 'volumeInspect')).toBe(inspects + 1);
    expect(await readsServed(suite.w.client, suite.w.taskQueue, 'volumeList')).toBeGreaterThan(0);
    await docker.createVolume({ Name: 'vol-db', Labels: { other: '1' } });
    expect(await docker.getVolume('vol-db').inspect()).toEqual(made);
    const anon = await docker.createVolume({});
    expect(anon.name).toMatch(/^[0-9a-f]{64}$/);
    await anon.remove();
  });

  it('bad input: Docker status and message, nothing made', async () => {
    expect(await failure(docker.createVolume({ Name: 'a/b' }))).toEqual([
      400,
      'create a/b: "a/b" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
    ]);
    expect(await failure(docker.getVolume('nosuch').inspect())).toEqual([404, 'get nosuch: no such volume']);
    expect(await failure(docker.getVolume('nosuch').remove())).toEqual([404, 'get nosuch: no such volume']);
    // (dockerode sends a volume remove's options in the body, not the query: `-f` is tested with the docker CLI)
    expect((await cli('volume', 'rm', '-f', 'nosuch')).code).toBe(0);
    expect(await failure(docker.listVolumes({ filters: JSON.stringify({ bogus: ['x'] }) }))).toEqual([
      400,
      "invalid filter 'bogus'",
    ]);
    const names = (await docker.listVolumes()).Volumes.map((v) => v.Name);
    expect(names).not.toContain('a/b');
  });

  it('rm is refused while a container (running or not) uses it, allowed once the container is removed', async () => {
    await docker.createVolume({ Name: 'vol-used' });
    const c = await docker.createContainer({
      Image: 'busybox',
      Cmd: ['sleep', '1000'],
      HostConfig: { Binds: ['vol-used:/data'] },
    });
    const inUse = `remove vol-used: volume is in use - [${c.id}]`;
    expect(await failure(docker.getVolume('vol-used').remove())).toEqual([409, inUse]);
    await c.start();
    const forced = await cli('volume', 'rm', '-f', 'vol-used');
    expect([forced.code, forced.stderr]).toEqual([1, `Error response from daemon: ${inUse}\n`]);
    const dangling = async (d: boolean) =>
      (await docker.listVolumes({ filters: JSON.stringify({ dangling: [String(d)] }) })).Volumes.map((v) => v.Name);
    expect(await dangling(false)).toContain('vol-used');
    expect(await dangling(true)).not.toContain('vol-used');
    await c.remove({ force: true });
    await docker.getVolume('vol-used').remove();
    expect(await failure(docker.getVolume('vol-used').inspect())).toEqual([404, 'get vol-used: no such volume']);
    await expect(fs.stat(path.dirname(suite.sim.driver.layout.volume('vol-used')))).rejects.toThrow(/ENOENT/);
  });

  it('a container create makes its named volume (as Docker does at create)', async () => {
    const c = await docker.createContainer({
      Image: 'busybox',
      Cmd: ['true'],
      HostConfig: { Binds: ['vol-implicit:/x'] },
    });
    expect(await docker.getVolume('vol-implicit').inspect()).toMatchObject({ Name: 'vol-implicit', Labels: null });
    await c.remove();
    await docker.getVolume('vol-implicit').remove();
  });
});

describe('volumes through the docker CLI', () => {
  it('create, ls -q with a label filter, inspect, rm in use refused, prune (every unused volume at API 1.41)', async () => {
    expect((await cli('volume', 'create', '--label', 'cli=yes', 'cli-a')).stdout).toBe('cli-a\n');
    expect((await cli('volume', 'create', '--label', 'keep', 'cli-b')).stdout).toBe('cli-b\n');
    expect((await cli('volume', 'ls', '-q', '--filter', 'label=cli=yes')).stdout).toBe('cli-a\n');
    const inspected = JSON.parse((await cli('volume', 'inspect', 'cli-a')).stdout) as Array<Record<string, unknown>>;
    expect(inspected).toMatchObject([{ Name: 'cli-a', Driver: 'local', Labels: { cli: 'yes' } }]);

    const run = await cli('create', '-v', 'cli-a:/data', 'busybox', 'true');
    expect(run.code).toBe(0);
    const id = run.stdout.trim();
    const refused = await cli('volume', 'rm', 'cli-a');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Error response from daemon: remove cli-a: volume is in use - [${id}]`);

    // the API speaks 1.41, where a prune removes every unused volume (Docker's rule for clients before 1.42;
    // the docker CLI offers --all only from 1.42): cli-a is in use, cli-b kept by the label filter
    const kept = await cli('volume', 'prune', '-f', '--filter', 'label!=keep');
    expect([kept.code, kept.stderr]).toEqual([0, '']);
    expect(kept.stdout).not.toContain('cli-');
    expect((await cli('volume', 'ls', '-q', '--filter', 'name=cli-')).stdout).toBe('cli-a\ncli-b\n');
    expect((await cli('rm', id)).code).toBe(0);
    const pruned = await cli('volume', 'prune', '--force');
    expect(pruned.stdout).toContain('Deleted Volumes:\ncli-a\ncli-b\n');
    expect((await cli('volume', 'ls', '-q', '--filter', 'name=cli-')).stdout).toBe('');
    // Docker's volume events, in the host's event log
    const until = String(Math.ceil(Date.now() / 1000) + 1);
    const events = await cli(
      'events',
      '--since',
      '0',
      '--until',
      until,
      '--filter',
      'type=volume',
      '--filter',
      'volume=cli-a',
      '--format',
      '{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.driver}}',
    );
    expect(events.stdout).toBe('volume create cli-a local\nvolume destroy cli-a local\n');
  });
});

describe("the project's CLI: container-saga volume", () => {
  const cs = (...args: string[]) => projectCli(suite.w, args);
  it('create, ls, inspect, rm; prune removes anonymous volumes only unless -a (Docker 23+)', async () => {
    expect((await cs('volume', 'create', '--label', 'k=v', 'cs-a')).stdout).toBe('cs-a\n');
    expect((await cs('volume', 'create', '--name', 'cs-b')).stdout).toBe('cs-b\n');
    const anon = await cs('volume', 'create', '--label', 'com.docker.volume.anonymous=');
    expect(anon.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect((await cs('volume', 'ls', '-q', '--filter', 'label=k=v')).stdout).toBe('cs-a\n');
    expect(JSON.parse((await cs('volume', 'inspect', 'cs-a')).stdout)).toMatchObject([
      { Name: 'cs-a', Labels: { k: 'v' } },
    ]);
    const missing = await cs('volume', 'rm', 'cs-nosuch');
    expect([missing.code, missing.stderr]).toEqual([
      1,
      'Error response from daemon: get cs-nosuch: no such volume\nError: failed to remove volumes: cs-nosuch\n',
    ]);
    const plain = await cs('volume', 'prune', '-f');
    expect(plain.stdout).toBe(`Deleted Volumes:\n${anon.stdout.trim()}\n\nTotal reclaimed space: 0B\n`);
    expect((await cs('volume', 'rm', 'cs-b')).stdout).toBe('cs-b\n');
    const all = await cs('volume', 'prune', '-a', '-f');
    expect(all.stdout).toContain('Deleted Volumes:\ncs-a\n');
    expect((await cs('volume', 'ls', '-q', '--filter', 'name=cs-')).stdout).toBe('');
  });
});
