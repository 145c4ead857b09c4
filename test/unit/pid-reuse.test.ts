/**
 * A pid read from a file is signalled only while it is the process recorded at spawn (its /proc start time):
 * a record whose start time differs stands for a process that is gone and whose pid another one took, so
 * stop, unregister and an exec's release leave that process alone and report the recorded one gone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Layout } from '../../runtime/drivers/layout';
import { releaseExec } from '../../runtime/drivers/linux/exec-process';
import { probeProcess, terminate, UNKNOWN_EXIT } from '../../runtime/drivers/linux/process';
import { isLive, procStat, signalSame } from '../../runtime/drivers/linux/shim';
import { exists } from '../../runtime/fsutil';
import { execPaths } from '../../runtime/exec-layout';
import { hexId, tempDirEach } from './helpers';

const tmp = tempDirEach('pid-reuse');
const ID = hexId('c');
const EXEC = hexId('e');
let other: ChildProcess; // the process that "took" the pid
let pid: number;
let start: number;

beforeEach(async () => {
  other = spawn('sleep', ['60'], { stdio: 'ignore' });
  pid = other.pid!;
  start = (await procStat(pid))!.start;
});
afterEach(() => {
  other.kill('SIGKILL');
});

/** A container whose recorded process (pid, start) is `pid` with a start time that is not its own. */
async function reusedContainer(recordedStart: number): Promise<Layout> {
  const l = new Layout(path.join(tmp.path, 'root'));
  await mkdir(l.container(ID), { recursive: true });
  await writeFile(l.pidFile(ID), `${pid}\n`);
  await writeFile(
    l.execRecord(ID),
    JSON.stringify({ attempt: 'a', pid, pidStart: recordedStart, startedAt: new Date().toISOString() }),
  );
  return l;
}

describe('signalSame', () => {
  it('leaves a process with another start time alone (false: the recorded one is gone)', async () => {
    expect(await signalSame(pid, start + 1, 'SIGKILL')).toBe(false);
    expect(await isLive(pid, start)).toBe(true);
  });

  it('signals the recorded process (true), and a gone one is false', async () => {
    const exited = new Promise((r) => other.once('exit', r));
    expect(await signalSame(pid, start, 'SIGKILL')).toBe(true);
    await exited;
    expect(await signalSame(pid, start, 'SIGKILL')).toBe(false);
  });
});

describe('a container record whose pid was reused', () => {
  it('reads as no process; stop signals nothing and reports it gone (exit 255)', async () => {
    const l = await reusedContainer(start + 1);
    expect(await probeProcess(l, ID)).toEqual({ kind: 'none' });
    expect(await terminate(l, ID, 0)).toBe(UNKNOWN_EXIT);
    expect(await isLive(pid, start)).toBe(true);
  });

  it('with its own start time it is the container process: stop kills it', async () => {
    const l = await reusedContainer(start);
    expect(await probeProcess(l, ID)).toMatchObject({ kind: 'running', pid, pidStart: start });
    expect(await terminate(l, ID, 10)).toBe(128 + 15); // SIGTERM ends sleep well within 10 s
    expect(await isLive(pid, start)).toBe(false);
  });
});

describe("an exec's release", () => {
  async function execWith(pidStart: number | undefined, shimStart: number): Promise<Layout> {
    const l = new Layout(path.join(tmp.path, 'root'));
    const p = execPaths(l, ID, EXEC);
    await mkdir(p.dir, { recursive: true });
    // its shim is gone: pid 2**22 + 1 is above every pid_max
    await writeFile(p.record, JSON.stringify({ execId: EXEC, shimPid: 4194305, shimStart, startedAt: '' }));
    await writeFile(p.pid, `${pid}\n`);
    if (pidStart !== undefined) await writeFile(p.pidStart, `${pidStart}\n`);
    return l;
  }

  it('leaves the process alone when the recorded start time differs, and drops the record', async () => {
    const l = await execWith(start + 1, start);
    await releaseExec(l, ID, EXEC);
    expect(await isLive(pid, start)).toBe(true);
    expect(await exists(execPaths(l, ID, EXEC).record)).toBe(false);
  });

  it('without a recorded start, leaves alone a process older than the shim (an old record)', async () => {
    const l = await execWith(undefined, start + 100);
    await releaseExec(l, ID, EXEC);
    expect(await isLive(pid, start)).toBe(true);
  });

  it('kills the exec it recorded', async () => {
    const l = await execWith(start, start);
    await releaseExec(l, ID, EXEC);
    expect(await isLive(pid, start)).toBe(false);
  });
});
