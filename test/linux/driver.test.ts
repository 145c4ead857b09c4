/**
 * The Linux driver for real (no Temporal): overlay mounts, network namespaces, CNI, runc. Needs root; without
 * it every test FAILS (never skips) with a message saying so. Runs in a temp state root under /tmp with its
 * own host-side namespace and bridge (so a concurrent run with the default ones cannot collide), and checks
 * at the end that nothing is left: no mount under the root, no netns, no IPAM file, no runc container, no
 * exec record, no cgroup.
 */
import { spawn, spawnSync } from 'node:child_process';
import { promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { daemonEnv, linkEnv, linkHostsEntries } from '../../common/env';
import { ContainerError } from '../../common/errors';
import { needsOwnIpc } from '../../common/net-mode';
import type { ContainerRecord, CreateRequest } from '../../common/types';
import type { LinuxRuntime } from '../../runtime/linux-runtime';
import { netnsName, netnsPath } from '../../runtime/drivers/layout';
import { mountAt, mountsUnder, parseMountInfo, readMountInfo } from '../../runtime/drivers/linux/mountinfo';
import { netnsExists } from '../../runtime/drivers/linux/netns';
import { linuxPrerequisites } from '../../runtime/drivers/linux/prereqs';
import { leaksOf } from '../../runtime/drivers/linux/probe';
import { exitCodeOf } from '../../runtime/drivers/linux/runc';
import { isLive } from '../../runtime/drivers/linux/shim';
import {
  addressesOf,
  closeAndExpectNothingLeft,
  linuxRuntime,
  linuxUnavailable,
  openLinuxRuntime,
  rootTest,
  testNetwork,
} from '../linux-fixture';
import { inside } from '../linux-inside';
import { until as untilValue } from '../harness';

const NET = testNetwork('linux/driver');
const T = 30_000;

let root = '';
let rt: LinuxRuntime;
const created: string[] = [];
const timings: Array<Record<string, number>> = [];

/** Why the tests cannot run here (no root, missing prerequisites): each test then FAILS with it, none skips. */
let unavailable: string | undefined;

beforeAll(async () => {
  unavailable = await linuxUnavailable();
  if (unavailable) return;
  rt = await openLinuxRuntime('cs-linux-test', NET);
  root = rt.root; // the driver's own (absolute, symlink-free) form
}, T);

/** A test that needs root and the driver's prerequisites: fails (never skips) without them. */
const rootIt = rootTest(() => unavailable, T);

afterAll(async () => {
  if (!root) return;
  if (timings.length > 0)
    console.log('bridge start, ms per step:\n' + timings.map((t) => JSON.stringify(t)).join('\n'));
  // every container removed, then nothing of any container this file made may be left
  await closeAndExpectNothingLeft(rt, NET.hostNetns, created);
}, T);

async function create(req: Partial<CreateRequest> = {}): Promise<ContainerRecord> {
  const rec = await rt.create({ image: 'busybox', cmd: ['sleep', '300'], ...req });
  created.push(rec.Id);
  return rec;
}

/** The start saga's steps as workflows/container-start.ts runs them (rootfs, network, IPC, volumes at once), timed. */
async function start(id: string): Promise<{ pid: number; times: Record<string, number> }> {
  const times: Record<string, number> = {};
  const began = performance.now();
  const timed = async <R>(name: string, f: () => Promise<R>): Promise<R> => {
    const t0 = performance.now();
    const r = await f();
    times[name] = Math.round((performance.now() - t0) * 10) / 10;
    return r;
  };
  const rec = await rt.lookup(id);
  // Like the saga: all settle before an error is reported, so the error path finds no step in flight.
  const atOnce = await Promise.allSettled([
    timed('mountRootfs', () => rt.acquire('mount-rootfs', { id: id })),
    timed('connectNetwork', () => rt.acquire('network', { id: id })),
    needsOwnIpc(rec.HostConfig.IpcMode) ? timed('setupIpc', () => rt.acquire('ipc', { id: id })) : Promise.resolve(),
    timed('mountVolumes', () => rt.acquire('volumes', { id: id })),
  ]);
  const failed = atOnce.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const links = await timed('linkedContainers', () =>
    rec.HostConfig.Links.length > 0 ? rt.linkedContainers(id) : Promise.resolve([]),
  );
  if (rec.Config.WorkingDir) await timed('setupWorkingDir', () => rt.acquire('working-dir', { id: id }));
  const env = daemonEnv({
    hostname: rec.Config.Hostname,
    tty: rec.Config.Tty,
    linkedEnv: links.flatMap((t) => linkEnv(rec.Name, t)),
    userEnv: rec.Config.Env,
  });
  await timed('writeSpec', () => rt.acquire('spec', { id: id, env, extraHosts: linkHostsEntries(links) }));
  const { pid } = await timed('startProcess', () => rt.acquire('process', { id: id }));
  await timed('markRunning', () => rt.markRunning(id, pid));
  times.total = Math.round((performance.now() - began) * 10) / 10;
  return { pid, times };
}

/**
 * A container whose start fails: the saga's error path (markFailed, then every compensation) runs, and
 * nothing of the container may be left. Returns its ID and the error.
 */
async function failedStart(req: Partial<CreateRequest>): Promise<{ id: string; err: ContainerError }> {
  const { Id: id } = await create(req);
  try {
    await start(id);
  } catch (err) {
    if (!(err instanceof ContainerError)) throw err;
    await rt.markFailed(id, err.message, exitCodeOf(err));
    expect(await rt.releaseAll(id)).toEqual([]);
    expect(await leaksOf(root, id)).toEqual([]);
    return { id, err };
  }
  throw new Error('the start did not fail');
}

/** stop + remove, then nothing of the container may be left. */
async function finish(id: string): Promise<void> {
  await rt.stop(id, 0);
  await rt.remove(id, false);
  expect(await leaksOf(root, id)).toEqual([]);
  expect((await rt.heldResources()).filter((h) => h.containerId === id)).toEqual([]);
}

function runcExec(id: string, args: string[]): string {
  const r = spawnSync('runc', ['--root', path.join(root, 'runc'), 'exec', id, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`runc exec ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const inode = (p: string) => statSync(p).ino;

/**
 * The container process's environment. runc writes the pid file once it has released its init to exec the
 * command, so right after a start the pid may still be `runc init` for a moment, with runc's own environment
 * (`_LIBCONTAINER_*`): wait until it has become the command.
 */
async function environOf(pid: number): Promise<string[]> {
  return untilValue(
    `pid ${pid} to exec the container's command`,
    async () => {
      const env = (await fs.readFile(`/proc/${pid}/environ`, 'utf8')).split('\0').filter(Boolean);
      return env.some((e) => e.startsWith('_LIBCONTAINER_')) ? undefined : env;
    },
    5_000,
    10,
  );
}

/** Polls until `probe` returns a value: this file's default wait. */
const until = <T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000) => untilValue(what, probe, ms, 10);

describe('Linux driver (root)', () => {
  rootIt('has its prerequisites (root, runc, CNI plugins, overlay, tools)', async () => {
    expect(await linuxPrerequisites()).toMatchObject({ ok: true, missing: [] });
    const info = await rt.hostInfo();
    expect(info.os).toBe('linux');
    expect(info.cpus).toBeGreaterThan(0);
  });

  rootIt(
    'imports the busybox-static image as one layer, lists it, and refuses a missing image with NoSuchImage',
    async () => {
      const busybox = await rt.importImage('busybox', 'busybox-static');
      expect(busybox).toMatchObject({ name: 'busybox', repoTags: ['busybox:latest'], repoDigests: [] });
      expect(busybox.id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(busybox.config.config).toMatchObject({ Cmd: ['sh'] });
      expect(busybox.config.rootfs.diff_ids).toHaveLength(1);
      // the same source under the same name again: the same image
      expect((await rt.importImage('busybox:latest', 'busybox-static')).id).toBe(busybox.id);
      expect((await rt.listImages()).map((i) => i.name)).toEqual(['busybox']);
      const [layer] = await rt.images.layerDirs(busybox.id);
      const rootfs = layer!.dir;
      expect((await fs.lstat(path.join(rootfs, 'bin', 'sh'))).isSymbolicLink()).toBe(true);
      expect(await fs.readFile(path.join(rootfs, 'etc', 'passwd'), 'utf8')).toMatch(/^root:x:0:0:/);
      await expect(rt.create({ image: 'nope', cmd: ['true'] })).rejects.toMatchObject({
        type: 'NoSuchImage',
        status: 404,
        message: 'No such image: nope:latest',
      });

      // from a directory and from a tarball: the same tree, one layer each
      const tarball = path.join(root, 'rootfs.tar');
      expect(spawnSync('tar', ['-cf', tarball, '-C', rootfs, '.']).status).toBe(0);
      expect(await rt.importImage('copy', rootfs)).toMatchObject({ name: 'copy' });
      expect(await rt.importImage('tarred:1.0', tarball)).toMatchObject({ name: 'tarred:1.0' });
      const names = (await rt.listImages()).map((i) => i.name).sort();
      expect(names).toEqual(['busybox', 'copy', 'tarred:1.0']);
      for (const name of ['copy', 'tarred:1.0']) {
        const [dir] = await rt.images.layerDirs(await rt.images.resolve(name));
        expect(await fs.readlink(path.join(dir!.dir, 'bin', 'sh'))).toBe('busybox');
        expect((await fs.stat(path.join(dir!.dir, 'tmp'))).mode & 0o7777).toBe(0o1777);
      }
      // a bad name is Docker's 400, and nothing is stored
      await expect(rt.importImage('UPPER/case', rootfs)).rejects.toMatchObject({ type: 'InvalidParameter' });
      expect((await rt.listImages()).length).toBe(3);
    },
  );

  rootIt(
    'runs a bridge container: alive, its hostname, an IP on eth0 in its own netns, volumes and /dev/shm mounted inside, logs captured',
    async () => {
      const hostDir = path.join(root, 'bind-source'); // inside the temp root: removed with it whatever happens
      await fs.mkdir(hostDir);
      await fs.writeFile(path.join(hostDir, 'hello.txt'), 'from the host\n');
      const rec = await create({
        name: 'web',
        hostname: 'web-host',
        workingDir: '/srv/app',
        cmd: ['sh', '-c', 'echo started in $(pwd); exec sleep 300'],
        env: ['GREETING=hi'],
        hostConfig: {
          Binds: [`${hostDir}:/hostdir:ro`, 'webdata:/data'],
          Tmpfs: { '/scratch': 'size=1m' },
          ShmSize: 8 * 1024 * 1024,
          Memory: 64 * 1024 * 1024,
          PidsLimit: 64,
        },
      });
      const id = rec.Id;
      const { pid, times } = await start(id);
      timings.push(times);
      expect(await isLive(pid)).toBe(true);

      const cur = await rt.lookup('web');
      expect(cur.State).toMatchObject({ Running: true, Status: 'running', Pid: pid });
      const net = cur.NetworkSettings;
      expect(net.IPAddress).toMatch(addressesOf(NET.subnet).ip);
      expect(net.IPPrefixLen).toBe(16);
      expect(net.Gateway).toBe(addressesOf(NET.subnet).gateway);
      expect(net.SandboxKey).toBe(netnsPath(netnsName(id)));

      expect(runcExec(id, ['hostname']).trim()).toBe('web-host');
      expect(inode(`/proc/${pid}/ns/net`)).toBe(inode(net.SandboxKey));
      expect(inode(`/proc/${pid}/ns/net`)).not.toBe(inode('/proc/self/ns/net'));
      expect(inside(pid, 'ip -4 -o addr show eth0')).toContain(`inet ${net.IPAddress}/16`);
      expect(inside(pid, 'pwd')).toBe('/srv/app\n');
      expect(inside(pid, 'cat /etc/hosts')).toContain(`${net.IPAddress}\tweb-host`);
      expect(await environOf(pid)).toContain('GREETING=hi');

      const mounts = parseMountInfo(await fs.readFile(`/proc/${pid}/mountinfo`, 'utf8'));
      const at = (p: string) => mountAt(mounts, p);
      expect(at('/hostdir')?.options).toMatch(/^ro,/);
      expect(at('/data')?.options).toMatch(/^rw,/);
      expect(at('/scratch')).toMatchObject({ fsType: 'tmpfs', superOptions: expect.stringContaining('size=1024k') });
      expect(at('/dev/shm')).toMatchObject({ fsType: 'tmpfs', superOptions: expect.stringContaining('size=8192k') });
      expect(inside(pid, 'cat /hostdir/hello.txt')).toBe('from the host\n');
      inside(pid, 'echo kept > /data/out.txt');
      expect(await fs.readFile(path.join(root, 'volumes', 'webdata', '_data', 'out.txt'), 'utf8')).toBe('kept\n');

      const held = (await rt.heldResources()).filter((h) => h.containerId === id).map((h) => h.kind);
      expect(new Set(held)).toEqual(new Set(['mount', 'netns', 'ip', 'runc', 'process', 'bundle']));
      expect(held.filter((k) => k === 'mount')).toHaveLength(2); // rootfs overlay + IPC tmpfs; volumes live inside only
      expect(await rt.logs(id)).toContain('started in /srv/app');

      await finish(id);
      expect(await isLive(pid)).toBe(false);
    },
  );

  rootIt('repeating every step gives the same state (idempotent steps)', async () => {
    const { Id: id } = await create({ workingDir: '/w' });
    const rec = await rt.lookup(id);
    const env = daemonEnv({ hostname: rec.Config.Hostname, tty: false, linkedEnv: [], userEnv: [] });
    const state = async () => ({
      mounts: mountsUnder(await readMountInfo(), rt.layout.container(id)).map((m) => `${m.fsType} ${m.mountPoint}`),
      ips: (await rt.heldResources()).filter((h) => h.containerId === id && h.kind === 'ip').map((h) => h.detail),
      netns: await netnsExists(netnsName(id)),
      net: (await rt.lookup(id)).NetworkSettings,
    });
    expect(await rt.acquire('mount-rootfs', { id: id })).toEqual(await rt.acquire('mount-rootfs', { id: id }));
    const n1 = await rt.acquire('network', { id: id });
    const s1 = await state();
    expect(await rt.acquire('network', { id: id })).toEqual(n1);
    expect(await state()).toEqual(s1);
    await rt.acquire('working-dir', { id: id });
    await rt.acquire('working-dir', { id: id });
    await rt.acquire('spec', { id: id, env, extraHosts: [] });
    const spec = await fs.readFile(path.join(rt.layout.bundle(id), 'config.json'), 'utf8');
    await rt.acquire('spec', { id: id, env, extraHosts: [] });
    expect(await fs.readFile(path.join(rt.layout.bundle(id), 'config.json'), 'utf8')).toBe(spec);
    await rt.acquire('ipc', { id: id });
    await rt.acquire('ipc', { id: id });
    await rt.acquire('volumes', { id: id });
    await rt.acquire('volumes', { id: id });
    const s2 = await state();
    expect(s2.mounts).toHaveLength(2);
    expect(s2.ips).toHaveLength(1);
    const { pid } = await rt.acquire('process', { id: id });
    expect(await rt.acquire('process', { id: id })).toEqual({ pid });
    // A fresh driver (a restarted worker) adopts the running process too.
    expect(await linuxRuntime(root, NET).acquire('process', { id: id })).toEqual({ pid });
    await rt.markRunning(id, pid);
    expect(await state()).toEqual(s2);
    await finish(id);
  });

  rootIt('every release succeeds twice, without its step, and after a half-run step', async () => {
    const { Id: id } = await create();
    // nothing ran yet
    expect(await rt.releaseAll(id)).toEqual([]);
    expect(await rt.releaseAll(id)).toEqual([]);
    // a CNI ADD whose report was lost: the allocation is found in the IPAM dataDir and released
    await rt.acquire('mount-rootfs', { id: id });
    await rt.acquire('network', { id: id });
    await fs.rm(rt.layout.cniAttachment(id, 'container-saga'));
    expect((await rt.heldResources()).some((h) => h.containerId === id && h.kind === 'ip')).toBe(true);
    await rt.release('release-network', id);
    expect(
      (await rt.heldResources()).some((h) => h.containerId === id && (h.kind === 'ip' || h.kind === 'netns')),
    ).toBe(false);
    await rt.release('release-network', id);
    // a full start, then every release twice
    await start(id);
    expect(await rt.releaseAll(id)).toEqual([]);
    expect(await leaksOf(root, id)).toEqual([]);
    expect(await rt.releaseAll(id)).toEqual([]);
    await rt.markFailed(id, 'released by the test', 0);
    await rt.remove(id, false);
    expect(await leaksOf(root, id)).toEqual([]);
  });

  rootIt('none networking has only lo; host networking shares the host netns but not its hostname', async () => {
    const none = await create({ hostConfig: { NetworkMode: 'none' } });
    const { pid } = await start(none.Id);
    expect(inside(pid, 'ls /sys/class/net').split(/\s+/).filter(Boolean)).toEqual(['lo']);
    expect(inside(pid, 'ip -o link show lo')).toMatch(/UP/);
    expect((await rt.lookup(none.Id)).NetworkSettings).toMatchObject({
      IPAddress: '',
      SandboxKey: netnsPath(netnsName(none.Id)),
    });
    await finish(none.Id);

    const host = await create({ hostname: 'not-the-host', hostConfig: { NetworkMode: 'host' } });
    const h = await start(host.Id);
    expect(inode(`/proc/${h.pid}/ns/net`)).toBe(inode('/proc/self/ns/net'));
    expect(inode(`/proc/${h.pid}/ns/uts`)).not.toBe(inode('/proc/self/ns/uts'));
    expect((await rt.lookup(host.Id)).NetworkSettings.SandboxKey).toBe('');
    await finish(host.Id);
  });

  rootIt('container:X joins X netns; X not running → ContainerNotRunning; itself → InvalidParameter', async () => {
    const x = await create({ name: 'netowner' });
    const { pid: xpid } = await start(x.Id);
    const joiner = await create({ hostConfig: { NetworkMode: 'container:netowner', IpcMode: 'container:netowner' } });
    const { pid } = await start(joiner.Id);
    expect(inode(`/proc/${pid}/ns/net`)).toBe(inode(`/proc/${xpid}/ns/net`));
    expect(inode(`/proc/${pid}/ns/ipc`)).toBe(inode(`/proc/${xpid}/ns/ipc`));
    expect((await rt.lookup(joiner.Id)).NetworkSettings.IPAddress).toBe(
      (await rt.lookup(x.Id)).NetworkSettings.IPAddress,
    );
    await finish(joiner.Id);
    // the joiner's release left X's network alone
    expect(await netnsExists(netnsName(x.Id))).toBe(true);
    await rt.stop(x.Id, 0);

    const late = await create({ hostConfig: { NetworkMode: `container:${x.Id}` } });
    await expect(rt.acquire('network', { id: late.Id })).rejects.toMatchObject({
      type: 'ContainerNotRunning',
      status: 409,
    });
    await rt.remove(x.Id, false);
    expect(await leaksOf(root, x.Id)).toEqual([]);
    expect(await rt.releaseAll(late.Id)).toEqual([]);
    const self = await create({ name: 'narcissus' });
    await rt.setHostConfig(self.Id, { ...self.HostConfig, NetworkMode: 'container:narcissus' });
    await expect(rt.acquire('network', { id: self.Id })).rejects.toMatchObject({ type: 'InvalidParameter' });
    await rt.remove(late.Id, false);
    await rt.remove(self.Id, false);
  });

  rootIt('two bridge containers get distinct IPs and reach each other over the bridge', async () => {
    const a = await create();
    const b = await create();
    const pa = (await start(a.Id)).pid;
    const pb = await start(b.Id);
    timings.push(pb.times);
    const ipa = (await rt.lookup(a.Id)).NetworkSettings.IPAddress;
    const ipb = (await rt.lookup(b.Id)).NetworkSettings.IPAddress;
    expect(ipa).not.toBe(ipb);
    expect(inside(pa, `ping -c 1 -W 2 ${ipb}`)).toMatch(/1 packets received/);
    await finish(a.Id);
    await finish(b.Id);
  });

  rootIt('starts and removes four bridge containers concurrently: distinct IPs, nothing left', async () => {
    const recs = await Promise.all([0, 1, 2, 3].map(() => create()));
    const pids = await Promise.all(recs.map(async (r) => (await start(r.Id)).pid));
    for (const pid of pids) expect(await isLive(pid)).toBe(true);
    const ips = await Promise.all(recs.map(async (r) => (await rt.lookup(r.Id)).NetworkSettings.IPAddress));
    expect(new Set(ips).size).toBe(4);
    await Promise.all(recs.map((r) => finish(r.Id)));
  });

  rootIt(
    "puts a link target's env (linkEnv, in the saga's order) and hosts entry into the linking container",
    async () => {
      const db = await create({ name: 'db', exposedPorts: ['5432'], env: ['POSTGRES_DB=app'] });
      await start(db.Id);
      const ipdb = (await rt.lookup(db.Id)).NetworkSettings.IPAddress;
      const app = await create({ name: 'app', env: ['MODE=test'], hostConfig: { Links: ['db:database'] } });
      const { pid } = await start(app.Id);
      const env = await environOf(pid);
      expect(env).toEqual([
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        `HOSTNAME=${app.Config.Hostname}`,
        `DATABASE_PORT=tcp://${ipdb}:5432`,
        `DATABASE_PORT_5432_TCP=tcp://${ipdb}:5432`,
        `DATABASE_PORT_5432_TCP_ADDR=${ipdb}`,
        'DATABASE_PORT_5432_TCP_PORT=5432',
        'DATABASE_PORT_5432_TCP_PROTO=tcp',
        'DATABASE_NAME=/app/database',
        'DATABASE_ENV_POSTGRES_DB=app',
        'MODE=test',
        'HOME=/root', // added by runc from the image's /etc/passwd, as Docker does
      ]);
      // Docker's legacy link line: IP, alias, the linked container's hostname, its name
      const dbHost = (await rt.lookup(db.Id)).Config.Hostname;
      expect(inside(pid, 'cat /etc/hosts')).toContain(`${ipdb}\tdatabase ${dbHost} db`);
      await finish(app.Id);
      await finish(db.Id);
    },
  );

  rootIt(
    'a missing command is CommandNotFound (127), a non-executable one CommandNotInvocable (126); nothing is left',
    async () => {
      const nf = await failedStart({ cmd: ['no-such-command'] });
      expect([nf.err.type, nf.err.status, nf.err.retryable, exitCodeOf(nf.err)]).toEqual([
        'CommandNotFound',
        400,
        false,
        127,
      ]);
      expect(nf.err.message).toContain('executable file not found');
      expect(await rt.logs(nf.id)).toBe('');
      expect((await rt.lookup(nf.id)).State).toMatchObject({ Running: false, ExitCode: 127 });

      const ni = await failedStart({ cmd: ['/etc/passwd'] });
      expect([ni.err.type, exitCodeOf(ni.err)]).toEqual(['CommandNotInvocable', 126]);
      await rt.remove(nf.id, false);
      await rt.remove(ni.id, false);
    },
  );

  rootIt('a file in the way of the working dir is NotADirectory; a missing bind source is InvalidMount', async () => {
    const wd = await failedStart({ workingDir: '/etc/passwd/sub' });
    expect([wd.err.type, wd.err.status, wd.err.message]).toEqual([
      'NotADirectory',
      400,
      'Cannot mkdir: /etc/passwd/sub is not a directory',
    ]);

    const bind = await failedStart({ hostConfig: { Binds: ['/no/such/dir:/x'] } });
    expect([bind.err.type, bind.err.status, bind.err.message]).toEqual([
      'InvalidMount',
      400,
      'invalid mount config for type "bind": bind source path does not exist: /no/such/dir',
    ]);
    await rt.remove(wd.id, false);
    await rt.remove(bind.id, false);
  });

  rootIt('a process that exits on its own reads as exited with its code; stop returns the exit code', async () => {
    const quick = await create({ cmd: ['sh', '-c', 'echo bye; exit 3'] });
    await start(quick.Id);
    const exited = await until('exit to be noticed', async () => {
      const r = await rt.lookup(quick.Id);
      return r.State.Running ? undefined : r;
    });
    expect(exited.State).toMatchObject({ Status: 'exited', Running: false, ExitCode: 3, Pid: 0 });
    expect(exited.State.FinishedAt).not.toBe('0001-01-01T00:00:00Z');
    expect(
      (await rt.events(0)).events.some(
        (e) => e.id === quick.Id && e.action === 'die' && e.attributes?.exitCode === '3',
      ),
    ).toBe(true);
    expect(await rt.logs(quick.Id)).toBe('bye\n');
    expect(await rt.stop(quick.Id, 0)).toEqual({ exitCode: 3, wasRunning: false });
    await rt.remove(quick.Id, false);
    expect(await leaksOf(root, quick.Id)).toEqual([]);

    const trapping = await create({
      cmd: ['sh', '-c', 'trap "exit 7" TERM; echo ready; while :; do sleep 0.05; done'],
    });
    await start(trapping.Id);
    await until('the TERM trap to be set', async () =>
      (await rt.logs(trapping.Id)).includes('ready') ? true : undefined,
    );
    expect(await rt.stop(trapping.Id, 10)).toEqual({ exitCode: 7, wasRunning: true });
    const sleeper = await create();
    await start(sleeper.Id);
    // PID 1 without a TERM handler ignores SIGTERM: SIGKILL after the timeout
    expect(await rt.stop(sleeper.Id, 0)).toEqual({ exitCode: 137, wasRunning: true });
    for (const id of [trapping.Id, sleeper.Id]) {
      await rt.remove(id, false);
      expect(await leaksOf(root, id)).toEqual([]);
    }
  });

  rootIt(
    'gc (base) releases an exited container and the resources of a lost record, and leaves a running one alone',
    async () => {
      const exited = await create({ cmd: ['sh', '-c', 'exit 5'] });
      await start(exited.Id);
      const lost = await create();
      const { pid: lostPid } = await start(lost.Id);
      const running = await create();
      const { pid } = await start(running.Id);
      await until('the exit', async () => ((await rt.lookup(exited.Id)).State.Running ? undefined : true));
      await fs.rm(path.join(rt.layout.container(lost.Id), 'config.json')); // a record gone, its resources not
      const report = await rt.gc(async () => false);
      expect(report.failed).toEqual([]);
      expect(report.released.map((r) => r.containerId).sort()).toEqual([exited.Id, lost.Id].sort());
      expect(await leaksOf(root, exited.Id)).toEqual([]);
      expect(await leaksOf(root, lost.Id)).toEqual([]);
      expect(await isLive(lostPid)).toBe(false);
      expect(await isLive(pid)).toBe(true);
      expect((await rt.heldResources()).filter((h) => h.containerId === running.Id).length).toBeGreaterThan(0);
      await rt.remove(exited.Id, false);
      await finish(running.Id);
    },
  );

  rootIt('the container outlives a SIGKILLed worker, and a new driver adopts it', async () => {
    const rec = await create({ workingDir: '/w' });
    const tsx = path.resolve(__dirname, '../../node_modules/.bin/tsx');
    const worker = spawn(tsx, [path.join(__dirname, 'fixtures', 'start-and-hang.ts'), root, rec.Id], {
      env: {
        ...process.env,
        CONTAINER_SAGA_HOST_NETNS: NET.hostNetns,
        CONTAINER_SAGA_SUBNET: NET.subnet,
        CONTAINER_SAGA_UPLINK_SUBNET: NET.uplinkSubnet,
        TEST_BRIDGE: NET.bridge,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own group: the kill below takes tsx and its node child together
    });
    let out = '';
    let err = '';
    worker.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    worker.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    const pid = await until(
      'the worker to start the container',
      async () => {
        if (worker.exitCode !== null) throw new Error(`worker exited: ${err}`);
        const m = /pid (\d+)/.exec(out);
        return m ? Number(m[1]) : undefined;
      },
      20_000,
    );
    process.kill(-worker.pid!, 'SIGKILL');
    await new Promise((r) => worker.once('close', r));
    expect(await isLive(pid)).toBe(true);

    const fresh = linuxRuntime(root, NET);
    expect(await fresh.acquire('process', { id: rec.Id })).toEqual({ pid });
    await fresh.markRunning(rec.Id, pid);
    expect(await isLive(pid)).toBe(true);
    await finish(rec.Id);
  });
});
