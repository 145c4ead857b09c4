import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError } from '../../../common/errors';
import { run, runChecked, toolOutput } from './exec';
import { short, type Layout } from '../layout';
import { tool } from './tools';

/** runc kill, pause and resume of a container's process (runc's cgroup freezer), and whether it is frozen. */

/** `runc kill ID SIGNAL`: false when runc has no running process to signal (it has exited, or never ran). */
export async function runcKill(l: Layout, id: string, signal: number): Promise<boolean> {
  const r = await run(tool('runc'), ['--root', l.runcRoot, 'kill', id, String(signal)]);
  if (r.code === 0) return true;
  if (/not running|does not exist|process already finished|no such process/i.test(r.stderr)) return false;
  throw new ContainerError('Internal', `runc kill ${short(id)} ${signal}: ${toolOutput(r)}`);
}

/** `runc pause ID`: freezes every process of the container. */
export async function runcPause(l: Layout, id: string): Promise<void> {
  await runChecked(`runc pause ${short(id)}`, tool('runc'), ['--root', l.runcRoot, 'pause', id]);
}

/** `runc resume ID`; a container that is not paused (or gone) is fine. */
export async function runcResume(l: Layout, id: string): Promise<void> {
  const r = await run(tool('runc'), ['--root', l.runcRoot, 'resume', id]);
  if (r.code !== 0 && !/not paused|does not exist|not running/i.test(r.stderr)) {
    throw new ContainerError('Internal', `runc resume ${short(id)}: ${toolOutput(r)}`);
  }
}

/** Whether the container's cgroup is frozen (v1 freezer.state, v2 cgroup.freeze); read, no runc call. */
export async function isFrozen(l: Layout, id: string): Promise<boolean> {
  const rel = l.cgroupsPath(id);
  const v1 = await fs.readFile(path.join('/sys/fs/cgroup/freezer', rel, 'freezer.state'), 'utf8').catch(() => '');
  if (/FROZEN|FREEZING/.test(v1)) return true;
  const v2 = await fs.readFile(path.join('/sys/fs/cgroup', rel, 'cgroup.freeze'), 'utf8').catch(() => '');
  return v2.trim() === '1';
}

/**
 * The host pids of every process of the container (docker top): its cgroup's cgroup.procs, v2's unified
 * hierarchy or a v1 controller runc puts it in; none when it has no cgroup (it has exited).
 */
export async function cgroupPids(l: Layout, id: string): Promise<number[]> {
  const rel = l.cgroupsPath(id);
  for (const base of ['/sys/fs/cgroup', '/sys/fs/cgroup/pids', '/sys/fs/cgroup/freezer', '/sys/fs/cgroup/memory']) {
    const text = await fs.readFile(path.join(base, rel, 'cgroup.procs'), 'utf8').catch(() => undefined);
    if (text !== undefined)
      return text
        .split('\n')
        .filter((l) => /^\d+$/.test(l))
        .map(Number);
  }
  return [];
}
