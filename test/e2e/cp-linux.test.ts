/**
 * cp (both ways), diff, export and commit on the Linux driver through Docker's own CLI and dockerode, with the
 * Engine API beside the worker (its spool under the worker's state root): a 100 MB file, a directory, a symlink,
 * running and stopped containers, a path in a volume, Docker's errors, and nothing left behind (spool files,
 * mounts, half images). Needs root: without it every test FAILS with the reason. Its own netns, bridge and subnet.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { archiveSpoolDir } from '../../images/archive-paths';
import { readMountInfo } from '../../runtime/drivers/linux/mountinfo';
import { docker, startTestApi, type TestApi } from '../api-harness';
import { linuxSuite, linuxUnavailable, testNetwork } from '../linux-fixture';

const suite = linuxSuite('cs-cp', testNetwork('e2e/cp-linux'));
const it = suite.it;
let api: TestApi | undefined;
let dir: string;

beforeAll(async () => {
  if (await linuxUnavailable()) return;
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-cp-e2e-'));
  api = await startTestApi(suite.w, { CONTAINER_SAGA_ROOT: suite.rt.root, CONTAINER_SAGA_HOST: suite.rt.hostName });
}, 120_000);
afterAll(async () => {
  for (const c of ['c1', 'c2', 'c3', 'c4', 'ro', 'd1', 'node1'])
    await docker(api!, ['rm', '-f', c]).catch(() => undefined);
  await api?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

const cli = (args: string[], timeoutMs = 120_000) => docker(api!, args, { timeoutMs });
async function ok(args: string[], timeoutMs?: number): Promise<string> {
  const r = await cli(args, timeoutMs);
  expect(r.code, `docker ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}
async function sha(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return h.digest('hex');
}
const spoolFiles = async () => fs.readdir(archiveSpoolDir(suite.rt.root)).catch(() => [] as string[]);
/** The mounts under the container's directory (its rootfs) on the host. */
const mountsOf = async (id: string) =>
  (await readMountInfo()).filter((m) => m.mountPoint.startsWith(suite.rt.driver.layout.container(id)));
const idOf = async (name: string) => (await ok(['inspect', '-f', '{{.Id}}', name])).trim();

describe('docker cp, diff, export and commit (Linux driver)', () => {
  it('a 100 MB file both ways with a running container; a directory and a symlink into its volume and back', async () => {
    await ok(['run', '-d', '--name', 'c1', '-v', 'cpvol:/vol', '--tmpfs', '/scratch', 'busybox', 'sleep', '1000']);
    const big = path.join(dir, 'big');
    execFileSync('head', ['-c', String(100 << 20), '/dev/urandom'], {
      stdio: ['ignore', (await fs.open(big, 'w')).fd, 'pipe'],
    });
    const t0 = Date.now();
    await ok(['cp', big, 'c1:/tmp/big']);
    const inTime = Date.now() - t0;
    const inside = await ok(['exec', 'c1', 'sha256sum', '/tmp/big']);
    expect(inside.split(' ')[0]).toBe(await sha(big));
    const t1 = Date.now();
    await ok(['cp', 'c1:/tmp/big', path.join(dir, 'big.back')]);
    const outTime = Date.now() - t1;
    expect(await sha(path.join(dir, 'big.back'))).toBe(await sha(big));
    console.log(`cp 100 MB in ${inTime} ms, out ${outTime} ms`);

    const tree = path.join(dir, 'tree');
    await fs.mkdir(path.join(tree, 'sub'), { recursive: true });
    await fs.writeFile(path.join(tree, 'sub', 'f'), 'hello\n');
    await fs.symlink('sub/f', path.join(tree, 'link'));
    await ok(['cp', tree, 'c1:/vol/']);
    // in the volume, mounted in the container's own mount namespace only
    expect(await ok(['exec', 'c1', 'sh', '-c', 'cat /vol/tree/sub/f; readlink /vol/tree/link'])).toBe('hello\nsub/f\n');
    const volData = path.join(suite.rt.driver.layout.volume('cpvol'), 'tree', 'sub', 'f');
    expect(await fs.readFile(volData, 'utf8')).toBe('hello\n');
    await ok(['cp', 'c1:/vol/tree', path.join(dir, 'tree.back')]);
    expect(await fs.readFile(path.join(dir, 'tree.back', 'sub', 'f'), 'utf8')).toBe('hello\n');
    expect(await fs.readlink(path.join(dir, 'tree.back', 'link'))).toBe('sub/f');
    // a symlink itself comes as a link; -L follows it
    await ok(['cp', 'c1:/vol/tree/link', path.join(dir, 'l1')]);
    expect(await fs.readlink(path.join(dir, 'l1'))).toBe('sub/f');
    await ok(['cp', '-L', 'c1:/vol/tree/link', path.join(dir, 'l2')]);
    expect(await fs.readFile(path.join(dir, 'l2'), 'utf8')).toBe('hello\n');
    // a tmpfs, also only in the container's mount namespace; a directory's contents with /.
    await ok(['cp', `${tree}/.`, 'c1:/scratch']);
    expect(await ok(['exec', 'c1', 'cat', '/scratch/sub/f'])).toBe('hello\n');
    await ok(['cp', 'c1:/scratch/.', path.join(dir, 'scratch.back')]);
    expect((await fs.readdir(path.join(dir, 'scratch.back'))).sort()).toEqual(['link', 'sub']);
    expect(await spoolFiles()).toEqual([]);
  });

  it('a stopped container: cp in and out with its rootfs mounted for the copy only', async () => {
    await ok(['create', '--name', 'c2', 'busybox', 'cat', '/etc/copied']);
    const id = await idOf('c2');
    await fs.writeFile(path.join(dir, 'copied'), 'from the host\n');
    await ok(['cp', path.join(dir, 'copied'), 'c2:/etc/copied']);
    expect(await mountsOf(id)).toEqual([]);
    await ok(['cp', 'c2:/etc/copied', path.join(dir, 'copied.back')]);
    expect(await fs.readFile(path.join(dir, 'copied.back'), 'utf8')).toBe('from the host\n');
    expect(await mountsOf(id)).toEqual([]);
    // a failed copy leaves nothing mounted either
    const missing = await cli(['cp', 'c2:/nope', path.join(dir, 'x')]);
    expect(missing.code).toBe(1);
    expect(await mountsOf(id)).toEqual([]);
    expect(await ok(['start', '-a', 'c2'])).toBe('from the host\n');
    // a stopped container's named volume: its source, not the rootfs under its mount point
    await ok(['create', '--name', 'c4', '-v', 'cpvol:/vol', 'busybox', 'true']);
    await ok(['cp', path.join(dir, 'copied'), 'c4:/vol/from-stopped']);
    const inVolume = path.join(suite.rt.driver.layout.volume('cpvol'), 'from-stopped');
    expect(await fs.readFile(inVolume, 'utf8')).toBe('from the host\n');
    await ok(['cp', 'c4:/vol/tree/sub/f', path.join(dir, 'vol-f')]);
    expect(await fs.readFile(path.join(dir, 'vol-f'), 'utf8')).toBe('hello\n');
    expect(await mountsOf(await idOf('c4'))).toEqual([]);
    // cp -a: the container's user owns what arrives
    await ok(['run', '-d', '--name', 'c3', '-u', '65534:65534', 'busybox', 'sleep', '1000']);
    await ok(['cp', '-a', path.join(dir, 'copied'), 'c3:/tmp/']);
    expect(await ok(['exec', 'c3', 'stat', '-c', '%u:%g', '/tmp/copied'])).toBe('65534:65534\n');
    expect(await spoolFiles()).toEqual([]);
  });

  it("bad input: Docker's errors, nothing changed and nothing left", async () => {
    // the CLI words a 404 of the archive itself (Docker 20.10's client); the API's own message is Docker's
    const missing = await cli(['cp', 'c1:/nonexistent', path.join(dir, 'x')]);
    expect([missing.code, missing.stderr.trim()]).toEqual([1, 'Error: No such container:path: c1:/nonexistent']);
    const d = new Docker({ socketPath: api!.host.replace(/^unix:\/\//, '') });
    const err = (await d
      .getContainer('c1')
      .getArchive({ path: '/nonexistent' })
      .catch((e: unknown) => e)) as { statusCode: number; message: string };
    expect(err.statusCode).toBe(404);
    expect(err.message).toContain('Could not find the file /nonexistent in container c1');
    const f = path.join(dir, 'copied');
    const noDir = await cli(['cp', f, 'c1:/missing/x']);
    expect([noDir.code, noDir.stderr.trim()]).toEqual([1, 'Error: No such container:path: c1:/missing']);
    // a file over a directory of the same name
    await ok(['exec', 'c1', 'mkdir', '/tmp/d']);
    await fs.writeFile(path.join(dir, 'd'), 'a file\n');
    const over = await cli(['cp', path.join(dir, 'd'), 'c1:/tmp/']);
    expect(over.code).toBe(1);
    expect(over.stderr.trim()).toBe(
      'Error response from daemon: Error processing tar file(exit status 1): cannot overwrite directory "/tmp/d" with non-directory "/tmp"',
    );
    expect(await ok(['exec', 'c1', 'sh', '-c', 'test -d /tmp/d && echo dir'])).toBe('dir\n');
    await ok(['run', '-d', '--read-only', '--name', 'ro', 'busybox', 'sleep', '1000']);
    const ro = await cli(['cp', f, 'ro:/tmp/']);
    expect([ro.code, ro.stderr.trim()]).toEqual([
      1,
      'Error response from daemon: container rootfs is marked read-only',
    ]);
    const tar = path.join(dir, 'nosuch.tar');
    execFileSync('tar', ['-C', dir, '-cf', tar, 'copied']);
    // dockerd 20.10's statuses: 500 for a read-only rootfs and for a file as the extraction point
    for (const [c, p] of [
      ['ro', '/tmp'],
      ['c1', '/etc/passwd'],
    ]) {
      const refused = (await d
        .getContainer(c!)
        .putArchive(tar, { path: p })
        .catch((e: unknown) => e)) as { statusCode: number };
      expect(refused.statusCode).toBe(500);
    }
    const gone = (await d
      .getContainer('nosuch')
      .putArchive(tar, { path: '/tmp' })
      .catch((e: unknown) => e)) as { statusCode: number; message: string };
    expect([gone.statusCode, gone.message]).toEqual([404, expect.stringContaining('No such container: nosuch')]);
    expect(await spoolFiles()).toEqual([]);
  });

  it('diff, export and commit of a container; the new image runs and shows its history', async () => {
    await ok([
      'run',
      '--name',
      'd1',
      'busybox',
      'sh',
      '-c',
      'mkdir /newdir; echo new > /newdir/f; rm /etc/group; echo x >> /etc/passwd',
    ]);
    const diff = await ok(['diff', 'd1']);
    expect(diff.trim().split('\n')).toEqual(['C /etc', 'D /etc/group', 'C /etc/passwd', 'A /newdir', 'A /newdir/f']);

    const out = path.join(dir, 'd1.tar');
    await ok(['export', '-o', out, 'd1']);
    const names = execFileSync('tar', ['-tf', out], { encoding: 'utf8' }).split('\n');
    expect(names).toContain('./newdir/f');
    expect(names).toContain('./bin/busybox');
    expect(names).not.toContain('./etc/group');
    expect(await mountsOf(await idOf('d1'))).toEqual([]);

    const id = (
      await ok([
        'commit',
        '-m',
        'my change',
        '-a',
        'me',
        '-c',
        'CMD ["cat", "/newdir/f"]',
        '-c',
        'ENV A=1',
        'd1',
        'committed:v1',
      ])
    ).trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await ok(['run', '--rm', 'committed:v1'])).toBe('new\n');
    expect(await ok(['run', '--rm', 'committed:v1', 'sh', '-c', 'test -e /etc/group || echo gone; echo $A'])).toBe(
      'gone\n1\n',
    );
    const inspect = JSON.parse(await ok(['image', 'inspect', 'committed:v1'])) as [
      { Id: string; Comment: string; Author: string; Config: { Cmd: string[] }; RootFS: { Layers: string[] } },
    ];
    expect(inspect[0]).toMatchObject({
      Id: id,
      Comment: 'my change',
      Author: 'me',
      Config: { Cmd: ['cat', '/newdir/f'] },
    });
    expect(inspect[0].RootFS.Layers).toHaveLength(2);
    const events = await ok([
      'events',
      '--since',
      '0',
      '--until',
      String(Math.ceil(Date.now() / 1000) + 1),
      '--filter',
      'event=commit',
      '--format',
      '{{.Actor.Attributes.imageRef}} {{.Actor.Attributes.comment}}',
    ]);
    expect(events).toBe('committed:v1 my change\n');
    const history = await ok(['history', '--format', '{{.CreatedBy}}|{{.Comment}}', 'committed:v1']);
    expect(history.split('\n')[0]).toContain('|my change');

    const images = await ok(['images', '-q', '--no-trunc']);
    const nope = await cli(['commit', 'nope', 'never:made']);
    expect([nope.code, nope.stderr.trim()]).toEqual([1, 'Error response from daemon: No such container: nope']);
    const bad = await cli(['commit', '-c', 'RUN true', 'd1', 'never:made']);
    expect(bad.stderr).toContain('run is not a valid change command');
    expect(await ok(['images', '-q', '--no-trunc'])).toBe(images);
    await ok(['rmi', 'committed:v1']);
  });

  it('dockerode: getArchive, putArchive, infoArchive, changes, export, commit', async () => {
    const d = new Docker({ socketPath: api!.host.replace(/^unix:\/\//, '') });
    const c = await d.createContainer({ Image: 'busybox', Cmd: ['sleep', '1000'], name: 'node1' });
    await c.start();
    const tar = path.join(dir, 'in.tar');
    execFileSync('tar', ['-C', dir, '-cf', tar, 'copied']);
    await c.putArchive(tar, { path: '/root' });
    const res = (await c.infoArchive({ path: '/root/copied' })) as unknown as { headers: Record<string, string> };
    const info = JSON.parse(Buffer.from(res.headers['x-docker-container-path-stat']!, 'base64').toString()) as object;
    expect(info).toMatchObject({ name: 'copied', size: 14, mode: 0o644, linkTarget: '' });
    const stream = await c.getArchive({ path: '/root/copied' });
    const chunks: Buffer[] = [];
    for await (const ch of stream) chunks.push(ch as Buffer);
    const back = path.join(dir, 'back.tar');
    await fs.writeFile(back, Buffer.concat(chunks));
    expect(execFileSync('tar', ['-xOf', back, 'copied'], { encoding: 'utf8' })).toBe('from the host\n');
    expect(await c.changes()).toEqual([
      { Path: '/root', Kind: 0 },
      { Path: '/root/copied', Kind: 1 },
    ]);
    const exported = await c.export();
    let bytes = 0;
    for await (const ch of exported) bytes += (ch as Buffer).length;
    expect(bytes).toBeGreaterThan(1 << 20);
    const committed = (await c.commit({ repo: 'node-commit', tag: 'x', pause: true })) as { Id: string };
    expect(committed.Id).toMatch(/^sha256:/);
    await c.remove({ force: true });
    await d.getImage('node-commit:x').remove();
    expect(await spoolFiles()).toEqual([]);
  });
});
