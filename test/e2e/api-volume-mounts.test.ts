import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import Docker from 'dockerode';
import { beforeAll, describe, expect, it } from 'vitest';
import { docker as dockerCli, simulatedApiSuite } from '../api-harness';
import { cli as projectCli } from '../harness';

// Anonymous volumes, rm -v, --mount, --volumes-from and the copy-up of a volume's first mount, through the
// docker CLI, dockerode and the project's CLI, against the Engine API over the simulated runtime.

const suite = simulatedApiSuite('api-volume-mounts');
let docker: Docker;
const cli = (...args: string[]) => dockerCli(suite.api, args);
const cs = (...args: string[]) => projectCli(suite.w, args);
const HEX64 = /^[0-9a-f]{64}$/;

beforeAll(() => {
  docker = new Docker({ socketPath: suite.api.socketPath });
});

type Mount = { Type: string; Name?: string; Source: string; Destination: string; RW: boolean; Mode: string };
const mounts = async (id: string) => (await docker.getContainer(id).inspect()).Mounts as unknown as Mount[];
const volumeNames = async () => (await docker.listVolumes()).Volumes.map((v) => v.Name).sort();

async function failure(p: Promise<unknown>): Promise<[number, string]> {
  try {
    await p;
  } catch (err) {
    const e = err as { statusCode: number; json?: { message: string } };
    return [e.statusCode, e.json?.message ?? ''];
  }
  throw new Error('expected the call to fail');
}

describe('anonymous volumes', () => {
  it('-v /data makes one at create (inspect, ls, the anonymous label); rm -v removes it, not a named one', async () => {
    const made = await cli('create', '-v', '/data', '-v', 'anon-named:/named', 'busybox', 'true');
    expect([made.code, made.stderr]).toEqual([0, '']);
    const id = made.stdout.trim();
    const ms = await mounts(id);
    const anon = ms.find((m) => m.Destination === '/data')!;
    expect(anon).toMatchObject({ Type: 'volume', Driver: 'local', RW: true, Mode: '' });
    expect(anon.Name).toMatch(HEX64);
    expect(anon.Source).toBe(suite.sim.driver.layout.volume(anon.Name!));
    expect(ms.find((m) => m.Destination === '/named')).toMatchObject({ Type: 'volume', Name: 'anon-named', Mode: 'z' });
    expect(await docker.getVolume(anon.Name!).inspect()).toMatchObject({
      Labels: { 'com.docker.volume.anonymous': '' },
    });
    expect((await cli('volume', 'ls', '-q')).stdout).toContain(anon.Name);
    expect((await cli('rm', '-v', id)).code).toBe(0);
    expect(await volumeNames()).not.toContain(anon.Name);
    expect(await volumeNames()).toContain('anon-named');
    await docker.getVolume('anon-named').remove();
  });

  it("the image's Volumes and Config.Volumes (dockerode); rm without v keeps them, prune takes the unused anonymous ones", async () => {
    const c = await docker.createContainer({ Image: 'busybox', Cmd: ['true'], Volumes: { '/cache': {} } });
    const [anon] = await mounts(c.id);
    expect(anon).toMatchObject({ Type: 'volume', Destination: '/cache' });
    await docker.createVolume({ Name: 'prune-named' });
    await c.remove();
    expect(await volumeNames()).toContain(anon!.Name);
    // the project's CLI prunes anonymous volumes only unless -a (the API at 1.41 prunes every unused one)
    const pruned = await cs('volume', 'prune', '-f');
    expect(pruned.stdout).toContain(anon!.Name);
    expect(pruned.stdout).not.toContain('prune-named');
    expect(await volumeNames()).not.toContain(anon!.Name);
    await docker.getVolume('prune-named').remove();
  });

  it('run --rm removes them when the container goes', async () => {
    const before = await volumeNames();
    const run = await cli('run', '--rm', '-v', '/scratch', 'busybox', 'true');
    expect([run.code, run.stderr]).toEqual([0, '']);
    await expect.poll(volumeNames, { timeout: 20_000 }).toEqual(before);
  });

  it('the project CLI: -v /data and rm -v', async () => {
    const made = await cs('create', '-v', '/pdata', 'busybox', 'true');
    expect(made.code).toBe(0);
    const id = made.stdout.trim();
    const [anon] = await mounts(id);
    expect(anon!.Name).toMatch(HEX64);
    expect((await cs('rm', '-v', id)).code).toBe(0);
    expect(await volumeNames()).not.toContain(anon!.Name);
  });
});

describe("a volume's first mount is filled from the image", () => {
  it('a new named volume gets the content at its path, owners and modes kept; nocopy and a used volume do not', async () => {
    const c = await docker.createContainer({
      Image: 'busybox',
      Cmd: ['true'],
      HostConfig: { Binds: ['copy-etc:/etc'] },
    });
    const data = suite.sim.driver.layout.volume('copy-etc');
    expect(await fs.readFile(path.join(data, 'passwd'), 'utf8')).toContain('root:x:0:0');
    const anon = await docker.createContainer({ Image: 'busybox', Cmd: ['true'], Volumes: { '/root': {} } });
    const [root] = await mounts(anon.id);
    expect((await fs.stat(root!.Source)).mode & 0o7777).toBe(0o700);
    const nocopy = await cli(
      'create',
      '--mount',
      'type=volume,source=copy-none,target=/etc,volume-nocopy',
      'busybox',
      'true',
    );
    expect(nocopy.code).toBe(0);
    expect(await fs.readdir(suite.sim.driver.layout.volume('copy-none'))).toEqual([]);
    await fs.writeFile(path.join(suite.sim.driver.layout.volume('copy-none'), 'mine'), 'x');
    const again = await cli('create', '-v', 'copy-none:/etc', 'busybox', 'true');
    expect(await fs.readdir(suite.sim.driver.layout.volume('copy-none'))).toEqual(['mine']);
    const vnocopy = await cli('create', '-v', 'copy-nc:/etc:ro,nocopy', 'busybox', 'true');
    expect(await fs.readdir(suite.sim.driver.layout.volume('copy-nc'))).toEqual([]);
    const ids = [c.id, anon.id, nocopy.stdout.trim(), again.stdout.trim(), vnocopy.stdout.trim()];
    for (const id of ids) await cli('rm', '-v', id);
    for (const v of ['copy-etc', 'copy-none', 'copy-nc']) await docker.getVolume(v).remove();
  });
});

describe('--mount', () => {
  it('bind, volume (labels), tmpfs, with -v and --tmpfs; inspect shows each', async () => {
    const host = await fs.mkdtemp(path.join(suite.sim.driver.root, 'bind-'));
    const made = await cli(
      'create',
      '--mount',
      `type=bind,source=${host},target=/b,readonly`,
      '--mount',
      'type=volume,source=mnt-v,target=/v,volume-label=team=a',
      '--mount',
      'type=tmpfs,target=/t,tmpfs-size=1m',
      '--mount',
      'type=volume,target=/anon',
      '-v',
      '/x:/x',
      '--tmpfs',
      '/run2',
      'busybox',
      'true',
    );
    expect([made.code, made.stderr]).toEqual([0, '']);
    const ms = await mounts(made.stdout.trim());
    expect(ms.map((m) => [m.Type, m.Destination, m.RW])).toEqual([
      ['bind', '/x', true],
      ['bind', '/b', false],
      ['volume', '/v', true],
      ['tmpfs', '/t', true],
      ['volume', '/anon', true],
    ]);
    expect(await docker.getVolume('mnt-v').inspect()).toMatchObject({ Labels: { team: 'a' } });
    const hc = (await docker.getContainer(made.stdout.trim()).inspect()).HostConfig as { Mounts?: unknown[] };
    expect(hc.Mounts).toContainEqual({
      Type: 'volume',
      Source: 'mnt-v',
      Target: '/v',
      VolumeOptions: { Labels: { team: 'a' } },
    });
    expect((await cli('volume', 'rm', 'mnt-v')).stderr).toBe(
      `Error response from daemon: remove mnt-v: volume is in use - [${made.stdout.trim()}]\n`,
    );
    await cli('rm', '-v', made.stdout.trim());
    expect(await volumeNames()).toContain('mnt-v');
    await docker.getVolume('mnt-v').remove();
  });

  it("bad --mount: the docker CLI's and the daemon's messages, nothing made", async () => {
    const before = await volumeNames();
    const missing = await cli('create', '--mount', 'type=bind,source=/no/such/dir,target=/x', 'busybox');
    expect([missing.code, missing.stderr]).toEqual([
      1,
      'Error response from daemon: invalid mount config for type "bind": bind source path does not exist: /no/such/dir\n',
    ]);
    const dup = await cli('create', '-v', 'dup-a:/data', '--mount', 'type=volume,source=dup-b,target=/data', 'busybox');
    expect(dup.stderr).toBe('Error response from daemon: Duplicate mount point: /data\n');
    const name = await cli('create', '-v', 'a/b:/x', 'busybox');
    expect(name.stderr).toContain(
      'create a/b: "a/b" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
    );
    const mname = await cli('create', '--mount', 'type=volume,source=a/b,target=/x', 'busybox');
    expect(mname.stderr).toContain('"a/b" includes invalid characters for a local volume name');
    const anonRo = await cli('create', '--mount', 'type=volume,target=/x,readonly', 'busybox');
    expect(anonRo.stderr).toBe(
      'Error response from daemon: invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes\n',
    );
    const flag = await cs('create', '--mount', 'type=bind,target=/c,volume-nocopy', 'busybox');
    expect(flag.stderr).toContain(
      `invalid argument "type=bind,target=/c,volume-nocopy" for "--mount" flag: cannot mix 'volume-*' options with mount type 'bind'`,
    );
    // a refused create with anonymous volumes makes none (the bind check comes after the plan)
    const bindNocopy = await cli('create', '-v', '/h:/d:nocopy', 'busybox');
    expect(bindNocopy.stderr).toBe(
      `Error response from daemon: invalid volume specification: '/h:/d:nocopy': invalid mount config for type "bind": field VolumeOptions must not be specified\n`,
    );
    const overFile = await cli(
      'create',
      '-v',
      '/etc/passwd',
      '--mount',
      'type=volume,source=over,target=/data',
      'busybox',
    );
    expect(overFile.stderr).toBe(
      'Error response from daemon: cannot mount volume over existing file, file exists /etc/passwd\n',
    );
    const late = await cli('create', '-v', '/late', '--mount', 'type=bind,source=/no/such,target=/y', 'busybox');
    expect(late.code).toBe(1);
    expect(await volumeNames()).toEqual(before);
    expect((await cli('ps', '-aq')).stdout).toBe('');
  });
});

describe('--volumes-from', () => {
  it("the source's volumes and binds with its modes; :ro makes them read-only; a missing source is Docker's 404", async () => {
    const src = await cli('create', '--name', 'vf-src', '-v', '/vf-anon', '-v', 'vf-named:/n:ro', 'busybox', 'true');
    expect(src.code).toBe(0);
    const srcMounts = await mounts('vf-src');
    const dst = await cli('create', '--volumes-from', 'vf-src', 'busybox', 'true');
    // Docker's copies keep all but the -v mode string
    expect(await mounts(dst.stdout.trim())).toEqual(srcMounts.map((m) => ({ ...m, Mode: '' })));
    const ro = await docker.createContainer({
      Image: 'busybox',
      Cmd: ['true'],
      HostConfig: { VolumesFrom: ['vf-src:ro'] },
    });
    expect((await mounts(ro.id)).map((m) => m.RW)).toEqual([false, false]);
    expect((await docker.getContainer(ro.id).inspect()).HostConfig.VolumesFrom).toEqual(['vf-src:ro']);
    expect(
      await failure(docker.createContainer({ Image: 'busybox', HostConfig: { VolumesFrom: ['vf-src:rx'] } })),
    ).toEqual([400, 'invalid mode: rx']);
    // rm -v of a container that copied an anonymous volume in use elsewhere keeps it
    await cli('rm', '-v', dst.stdout.trim());
    const anon = srcMounts.find((m) => m.Destination === '/vf-anon')!.Name!;
    expect(await volumeNames()).toContain(anon);
    await ro.remove({ v: true });
    await cli('rm', '-v', 'vf-src');
    expect(await volumeNames()).not.toContain(anon);
    await docker.getVolume('vf-named').remove();

    // (a 404 at create makes the docker CLI pull the image and try again, as it does against Docker: --pull never)
    const missing = await cli('create', '--pull', 'never', '--volumes-from', 'vf-nosuch', 'busybox');
    expect([missing.code, missing.stderr]).toEqual([1, 'Error response from daemon: No such container: vf-nosuch\n']);
    expect(
      await failure(docker.createContainer({ Image: 'busybox', HostConfig: { VolumesFrom: ['vf-nosuch'] } })),
    ).toEqual([404, 'No such container: vf-nosuch']);
  });
});

// docker-py (Debian's python3-docker, Compose 1.29's client): Mounts with labels, volumes_from, remove(v=True)
const DOCKER_PY = String.raw`
import json, sys, docker
c = docker.DockerClient(base_url='unix://' + sys.argv[1], version='1.41')
src = c.containers.create('busybox', 'true', name='py-src',
    mounts=[docker.types.Mount('/m', 'py-vol', labels={'py': '1'}), docker.types.Mount('/anon', None)])
dst = c.containers.create('busybox', 'true', volumes_from=['py-src:ro'])
out = {'src': c.api.inspect_container(src.id)['Mounts'], 'dst': c.api.inspect_container(dst.id)['Mounts'],
       'labels': c.volumes.get('py-vol').attrs['Labels']}
dst.remove(v=True)
src.remove(v=True)
out['after'] = sorted(v.name for v in c.volumes.list())
try:
    c.containers.create('busybox', 'true', mounts=[docker.types.Mount('/x', '/no/such', type='bind')])
except docker.errors.APIError as e:
    out['error'] = [e.status_code, e.explanation]
print(json.dumps(out))
`;

describe('docker-py', () => {
  it('Mounts with a volume label and an anonymous volume, volumes_from :ro, remove(v=True), a bad bind', async () => {
    const { stdout } = await promisify(execFile)('python3', ['-c', DOCKER_PY, suite.api.socketPath]);
    const out = JSON.parse(stdout) as { src: Mount[]; dst: Mount[]; labels: unknown; after: string[]; error: unknown };
    expect(out.src.map((m) => [m.Type, m.Destination, m.RW])).toEqual([
      ['volume', '/m', true],
      ['volume', '/anon', true],
    ]);
    expect(out.dst.map((m) => [m.Name, m.RW])).toEqual(out.src.map((m) => [m.Name, false]));
    expect(out.labels).toEqual({ py: '1' });
    expect(out.after).toContain('py-vol');
    expect(out.after).not.toContain(out.src[1]!.Name);
    expect(out.error).toEqual([400, 'invalid mount config for type "bind": bind source path does not exist: /no/such']);
    await docker.getVolume('py-vol').remove();
  });
});
