import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs, openSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../runtime/drivers/linux/exec';
import { readMountInfo, mountsUnder } from '../../runtime/drivers/linux/mountinfo';
import { isExecutable, tool } from '../../runtime/drivers/linux/tools';
import { DOCKER_CLIENT } from './docker-cli';
import { EngineClient } from './engine';
import { createNetns, deleteNetns, netnsPath } from './netns';
import type { Teardown } from './teardown';

/**
 * A private Docker daemon for the bench, from Debian's docker.io (20.10): its own data root, exec root,
 * pidfile, unix socket and config file in a temp dir, and the containerd it starts itself (no --containerd),
 * whose state, root and socket then live under those roots too. It runs in a network namespace of its own
 * (docker0 on --bip, iptables rules inside it), entered with `nsenter --net` only: `ip netns exec` also
 * remounts /sys in a new mount namespace, which hides /sys/fs/cgroup, and dockerd then refuses to start
 * ("Devices cgroup isn't mounted"). Containers go under the cgroup parent /cs-bench-docker.
 *
 * Outside those roots dockerd 20.10 still makes /run/docker/plugins (legacy plugin sockets, a fixed path)
 * and containerd's runc v2 shims their sockets in /run/containerd/s: those directories are removed
 * afterwards when they did not exist before. The daemon's trust key goes to the temp dir through the
 * config file ("deprecated-key-path"), not to /etc/docker/key.json.
 */
export const DOCKERD = '/usr/sbin/dockerd';
export const CONTAINERD = '/usr/bin/containerd';
export const NETNS = 'cs-bench-docker';
export const BRIDGE_IP = '10.199.0.1/24';
export const CGROUP_PARENT = 'cs-bench-docker';
/** Paths dockerd or its shims create outside the private roots, deepest first. */
const HOST_DIRS = ['/run/docker/plugins', '/run/docker', '/run/containerd/s', '/run/containerd'];
const READY_DEADLINE_MS = 60_000;
const STOP_DEADLINE_MS = 30_000;

export interface Dockerd {
  socket: string;
  /** the temp dir holding every root */
  dir: string;
  netns: string;
  /** docker version and info, for the results */
  version: {
    server: string;
    api: string;
    storageDriver: string;
    cgroupDriver: string;
    containerd: string;
    runc: string;
  };
  flags: string[];
}

/** Why the Docker comparison cannot run here, or undefined when it can. */
export function dockerUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (a private dockerd and its network namespace need root)';
  const missing = [DOCKERD, CONTAINERD, DOCKER_CLIENT].filter((f) => !isExecutable(f));
  if (missing.length > 0)
    return `Debian's docker.io is not installed (missing ${missing.join(', ')}; as root, \`npm run setup\` installs it)`;
  for (const t of ['nsenter', 'ip', 'umount'] as const) if (!isExecutable(tool(t))) return `${t} is not installed`;
  return undefined;
}

/** Where a daemon lives: the bench's by default; a test gives its own, so it can run beside a bench. */
export type DockerdPlace = Record<'netns' | 'bridgeIp' | 'cgroupParent', string>;

/** Starts the daemon and registers, in `teardown`, everything that stops it and removes what it made. */
export async function startDockerd(
  teardown: Teardown,
  place: DockerdPlace = { netns: NETNS, bridgeIp: BRIDGE_IP, cgroupParent: CGROUP_PARENT },
): Promise<Dockerd> {
  const { netns, bridgeIp, cgroupParent } = place;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-bench-docker-'));
  teardown.add(`remove ${dir}`, () => removeDir(dir));
  const madeHere = await missingHostDirs();
  teardown.add('remove the /run dirs dockerd made', () => removeHostDirs(madeHere));
  await createNetns(netns);
  teardown.add(`delete netns ${netns}`, () => deleteNetns(netns));

  const socket = path.join(dir, 'docker.sock');
  const config = path.join(dir, 'daemon.json');
  await fs.writeFile(config, JSON.stringify({ 'deprecated-key-path': path.join(dir, 'key.json') }));
  const flags = [
    `--data-root=${path.join(dir, 'data')}`,
    `--exec-root=${path.join(dir, 'exec')}`,
    `--pidfile=${path.join(dir, 'dockerd.pid')}`,
    `--host=unix://${socket}`,
    `--config-file=${config}`,
    `--bip=${bridgeIp}`,
    '--iptables=true',
    '--userland-proxy=false',
    `--cgroup-parent=/${cgroupParent}`,
    '--shutdown-timeout=1',
    '--log-level=error',
  ];
  const log = path.join(dir, 'dockerd.log');
  const fd = openSync(log, 'a');
  // Detached (its own process group): a Ctrl-C reaches the bench, whose teardown stops it after its containers.
  // Debian's directories only: the daemon finds containerd, its shims and runc on PATH.
  const child = spawn(tool('nsenter'), [`--net=${netnsPath(netns)}`, '--', DOCKERD, ...flags], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: dir },
  });
  closeSync(fd);
  let exited: string | undefined;
  const gone = new Promise<void>((resolve) => {
    child.once('error', (e) => ((exited = `cannot run: ${e.message}`), resolve()));
    child.once(
      'exit',
      (code, signal) => ((exited ??= signal ? `killed by ${signal}` : `exit code ${code}`), resolve()),
    );
  });
  // If the bench dies without its teardown, dockerd still gets told to stop (and stops its containerd).
  const termOnExit = () => child.kill('SIGTERM');
  process.once('exit', termOnExit);
  teardown.add('stop dockerd', async () => {
    process.removeListener('exit', termOnExit);
    await stopDaemon(child, gone, () => exited !== undefined);
    await reapLeftovers(dir, cgroupParent);
  });

  const engine = new EngineClient(socket);
  try {
    const deadline = Date.now() + READY_DEADLINE_MS;
    while (!(await engine.ping())) {
      if (exited !== undefined) throw new Error(`dockerd stopped before it was ready (${exited}):\n${await tail(log)}`);
      if (Date.now() > deadline)
        throw new Error(
          `dockerd did not answer on ${socket} within ${READY_DEADLINE_MS / 1000} s:\n${await tail(log)}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
    const v = await engine.json<{ Version: string; ApiVersion: string }>('/version');
    const info = await engine.json<{
      Driver: string;
      CgroupDriver: string;
      ContainerdCommit?: { ID: string };
      RuncCommit?: { ID: string };
    }>('/info');
    return {
      socket,
      dir,
      netns,
      flags,
      version: {
        server: v.Version,
        api: v.ApiVersion,
        storageDriver: info.Driver,
        cgroupDriver: info.CgroupDriver,
        containerd: info.ContainerdCommit?.ID ?? '',
        runc: info.RuncCommit?.ID ?? '',
      },
    };
  } finally {
    engine.close();
  }
}

async function tail(file: string): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return `--- dockerd output (tail) ---\n${text.slice(-4000).trim() || '(none)'}`;
}

/** SIGTERM (dockerd stops its containers and its containerd), SIGKILL after STOP_DEADLINE_MS. */
async function stopDaemon(child: ChildProcess, gone: Promise<void>, hasExited: () => boolean): Promise<void> {
  if (hasExited()) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    console.error(`bench: dockerd did not stop within ${STOP_DEADLINE_MS / 1000} s: SIGKILL`);
    child.kill('SIGKILL');
  }, STOP_DEADLINE_MS);
  await gone;
  clearTimeout(timer);
}

/**
 * What a dockerd that did not stop cleanly leaves: its containerd and shims (found by the temp dir in their
 * command lines, so only this bench's), the container processes in its cgroup parent, its cgroups, and
 * mounts under the temp dir (the data root's self-bind, container rootfs, netns files).
 */
async function reapLeftovers(dir: string, cgroupParent: string): Promise<void> {
  const procs = await processesMentioning(dir);
  if (procs.length > 0) console.error(`bench: stopping what dockerd left running: pids ${procs.join(', ')}`);
  await killAll(procs);
  await killAll(await cgroupProcesses(cgroupParent));
  await removeCgroups(cgroupParent);
}

async function killAll(pids: number[]): Promise<void> {
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids.filter(alive)) signal(pid, 'SIGKILL');
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids whose command line contains `needle` (other than this process). */
async function processesMentioning(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(needle)) pids.push(Number(entry));
  }
  return pids;
}

/** Every cgroup hierarchy's copy of the bench's cgroup parent (cgroup v1: one per controller, plus v2's). */
async function cgroupParents(cgroupParent: string): Promise<string[]> {
  const hierarchies = await fs.readdir('/sys/fs/cgroup').catch(() => [] as string[]);
  const dirs = [
    ...hierarchies.map((h) => path.join('/sys/fs/cgroup', h, cgroupParent)),
    path.join('/sys/fs/cgroup', cgroupParent),
  ];
  const present = await Promise.all(
    dirs.map((d) =>
      fs.stat(d).then(
        (s) => s.isDirectory(),
        () => false,
      ),
    ),
  );
  return dirs.filter((_, i) => present[i]);
}

async function cgroupProcesses(cgroupParent: string): Promise<number[]> {
  const pids = new Set<number>();
  for (const parent of await cgroupParents(cgroupParent)) {
    for (const d of await subdirs(parent)) {
      const text = await fs.readFile(path.join(d, 'cgroup.procs'), 'utf8').catch(() => '');
      for (const line of text.split('\n')) if (line.trim()) pids.add(Number(line));
    }
  }
  return [...pids];
}

/** rmdir, deepest first: a cgroup directory goes once it has no processes and no children. */
async function removeCgroups(cgroupParent: string): Promise<void> {
  for (const parent of await cgroupParents(cgroupParent)) {
    for (const d of (await subdirs(parent)).reverse())
      await fs.rmdir(d).catch((e: NodeJS.ErrnoException) => console.error(`bench: cgroup ${d}: ${e.message}`));
  }
}

/** dir and every directory below it, parents before children. */
async function subdirs(dir: string): Promise<string[]> {
  const out = [dir];
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) out.push(...(await subdirs(path.join(dir, e.name))));
  return out;
}

async function missingHostDirs(): Promise<string[]> {
  const exists = await Promise.all(
    HOST_DIRS.map((d) =>
      fs.access(d).then(
        () => true,
        () => false,
      ),
    ),
  );
  return HOST_DIRS.filter((_, i) => !exists[i]);
}

/** rmdir of the host dirs that were not there before the bench, if empty (deepest first). */
async function removeHostDirs(dirs: string[]): Promise<void> {
  for (const d of dirs) {
    await fs.rmdir(d).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') console.error(`bench: cannot remove ${d}: ${e.message}`);
    });
  }
}

/** Unmounts whatever is still mounted below dir (deepest first; lazily if busy), then deletes it. */
async function removeDir(dir: string): Promise<void> {
  const mounts = mountsUnder(await readMountInfo(), dir, { includeSelf: true }).reverse();
  for (const m of mounts) {
    const r = await run(tool('umount'), [m.mountPoint]);
    if (r.code !== 0) await run(tool('umount'), ['-l', m.mountPoint]);
  }
  await fs.rm(dir, { recursive: true, force: true });
}
