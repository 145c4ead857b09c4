import { existsSync, readFileSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { createContainer, inspect, readEvents, remove, startContainer, stop } from '../../client/api';
import { CliError } from '../../client/errors';
import { pause, unpause } from '../../client/verbs-api';
import { execWorkflowId, WorkflowTypes } from '../../common/names';
import type { CreateRequest } from '../../common/types';
import type { containerExec } from '../../workflows/verbs';
import { execPaths, execsDir } from '../../runtime/exec-layout';
import { isLive, readIntFile } from '../../runtime/drivers/linux/shim';
import { leaksOf } from '../../runtime/drivers/linux/probe';
import { sleep } from '../../runtime/fsutil';
import { cli, until as untilValue } from '../harness';
import { linuxSuite, testNetwork } from '../linux-fixture';

// kill, pause, unpause and exec of real containers (runc) through their workflows and the CLI. Needs root:
// without it every test FAILS with the reason. Its own netns, bridge and subnet (linux-fixture.ts).

const NET = testNetwork('e2e/verbs');
const suite = linuxSuite('cs-e2e-verbs', NET);
const rootIt = suite.it;

async function running(req: CreateRequest) {
  const { Id } = await createContainer(suite.w.session, req);
  await startContainer(suite.w.session, Id);
  return inspect(suite.w.session, Id);
}

/** Polls until `probe` returns a value: this file's default wait. */
const until = <T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000) => untilValue(what, probe, ms, 50);

const exited = (id: string) =>
  until(`${id.slice(0, 12)} to exit`, async () => {
    const rec = await inspect(suite.w.session, id);
    return rec.State.Running ? undefined : rec;
  });

async function actions(id: string) {
  return (await readEvents(suite.w.session, 0)).events.filter((e) => e.id === id);
}

/** The State line of /proc/<pid>/status ("S (sleeping)", "D (disk sleep)"…). */
const procState = (pid: number) => /^State:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];

/** A counter the container bumps every 50 ms, read from its rootfs through /proc. */
const COUNTER = ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i > /tmp/n; sleep 0.05; done'];
const counter = (pid: number) => readFileSync(`/proc/${pid}/root/tmp/n`, 'utf8').trim();

describe('kill, pause, unpause and exec of real containers (Linux driver)', () => {
  rootIt(
    'kill: SIGKILL by default (137) and -s TERM (143 from its handler), each a `kill` event; then 409',
    async () => {
      const a = await running({ name: 'killme', image: 'busybox', cmd: ['sleep', '1000'] });
      const pid = a.State.Pid;
      const r = await cli(suite.w, ['kill', 'killme']);
      expect([r.code, r.stdout, r.stderr]).toEqual([0, 'killme\n', '']);
      const after = await exited(a.Id);
      expect(after.State).toMatchObject({ Status: 'exited', ExitCode: 137 });
      expect(after.HasBeenManuallyStopped).toBe(true);
      expect(await isLive(pid)).toBe(false);
      expect((await actions(a.Id)).find((e) => e.action === 'kill')?.attributes).toEqual({ signal: '9' });
      const again = await cli(suite.w, ['kill', 'killme']);
      expect([again.code, again.stderr]).toEqual([
        1,
        `Error response from daemon: Cannot kill container: killme: Container ${a.Id} is not running\nError: failed to kill containers: killme\n`,
      ]);

      // PID 1 of its namespace ignores SIGTERM without a handler (as under Docker): this one has one
      const b = await running({
        name: 'termme',
        image: 'busybox',
        cmd: ['sh', '-c', 'trap "exit 143" TERM; while :; do sleep 0.1; done'],
      });
      const t = await cli(suite.w, ['kill', '-s', 'TERM', 'termme']);
      expect([t.code, t.stdout]).toEqual([0, 'termme\n']);
      expect((await exited(b.Id)).State.ExitCode).toBe(143);
      expect((await actions(b.Id)).find((e) => e.action === 'kill')?.attributes).toEqual({ signal: '15' });
      await remove(suite.w.session, a.Id, true);
      await remove(suite.w.session, b.Id, true);
      expect([...(await leaksOf(suite.rt.root, a.Id)), ...(await leaksOf(suite.rt.root, b.Id))]).toEqual([]);
    },
  );

  rootIt('pause freezes the processes (StartPaused 409 from start, exec 409), unpause thaws them', async () => {
    const c = await running({ name: 'frozen', image: 'busybox', cmd: COUNTER });
    const pid = c.State.Pid;
    await until('the counter', async () => (existsSync(`/proc/${pid}/root/tmp/n`) ? true : undefined));
    await pause(suite.w.session, 'frozen');
    const rec = await inspect(suite.w.session, 'frozen');
    expect(rec.State).toMatchObject({ Status: 'paused', Running: true, Paused: true });
    const n = counter(pid);
    await sleep(400);
    expect(counter(pid)).toBe(n); // nothing ran
    expect(procState(pid)).toMatch(/^D /); // frozen tasks read as uninterruptible
    expect(
      readFileSync(`/sys/fs/cgroup/freezer${suite.rt.layout.cgroupsPath(c.Id)}/freezer.state`, 'utf8').trim(),
    ).toBe('FROZEN');

    const start = await startContainer(suite.w.session, 'frozen').catch((e: unknown) => e);
    expect(start).toBeInstanceOf(CliError);
    expect(start).toMatchObject({
      type: 'StartPaused',
      status: 409,
      message: 'Cannot start a paused container, try unpause instead.',
    });
    const ex = await cli(suite.w, ['exec', 'frozen', 'true']);
    expect([ex.code, ex.stderr]).toEqual([
      1,
      `Error response from daemon: Container ${c.Id} is paused, unpause the container before exec\n`,
    ]);

    await unpause(suite.w.session, 'frozen');
    expect((await inspect(suite.w.session, 'frozen')).State).toMatchObject({ Status: 'running', Paused: false });
    await until('the counter to move', async () => (counter(pid) !== n ? true : undefined));
    // (not the process state: a task writing its counter may read D, disk sleep, for a moment)
    expect(
      readFileSync(`/sys/fs/cgroup/freezer${suite.rt.layout.cgroupsPath(c.Id)}/freezer.state`, 'utf8').trim(),
    ).toBe('THAWED');
    expect((await actions(c.Id)).map((e) => e.action)).toEqual(['create', 'start', 'pause', 'unpause']);
  });

  rootIt('stop and rm -f of a paused container: resumed, ended, nothing left', async () => {
    const a = await running({ name: 'pstop', image: 'busybox', cmd: ['sleep', '1000'] });
    await pause(suite.w.session, 'pstop');
    const stopped = await stop(suite.w.session, 'pstop', 1);
    expect(stopped.wasRunning).toBe(true);
    expect((await inspect(suite.w.session, a.Id)).State).toMatchObject({
      Status: 'exited',
      Running: false,
      Paused: false,
    });
    expect(await isLive(a.State.Pid)).toBe(false);
    expect(await leaksOf(suite.rt.root, a.Id)).toEqual([]);

    const b = await running({ name: 'prm', image: 'busybox', cmd: ['sleep', '1000'] });
    await pause(suite.w.session, 'prm');
    const r = await cli(suite.w, ['rm', '-f', 'prm']);
    expect([r.code, r.stdout]).toEqual([0, 'prm\n']);
    expect(await isLive(b.State.Pid)).toBe(false);
    expect(await leaksOf(suite.rt.root, b.Id)).toEqual([]);
    await remove(suite.w.session, a.Id, false);
  });

  rootIt('exec: output on stdout and stderr, exit codes 0, 3 and 127, -e and -w, 1 MB through pages', async () => {
    const c = await running({
      name: 'shell',
      image: 'busybox',
      cmd: ['sleep', '1000'],
      env: ['GREETING=hi', 'KEEP=1'],
    });
    const hello = await cli(suite.w, ['exec', 'shell', 'echo', 'hello']);
    expect([hello.code, hello.stdout, hello.stderr]).toEqual([0, 'hello\n', '']);
    const three = await cli(suite.w, ['exec', 'shell', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect([three.code, three.stdout, three.stderr]).toEqual([3, 'out\n', 'err\n']);
    const missing = await cli(suite.w, ['exec', 'shell', 'nosuchcmd']);
    expect([missing.code, missing.stdout]).toEqual([127, '']);
    expect(missing.stderr).toBe(
      'OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuchcmd": executable file not found in $PATH: unknown\n',
    );
    // -e replaces the container's value (once, not twice) and adds; -w sets the working directory
    const env = await cli(suite.w, [
      'exec',
      '-e',
      'GREETING=bye',
      '-e',
      'NEW=2',
      '-w',
      '/tmp',
      'shell',
      'sh',
      '-c',
      'env | sort; pwd',
    ]);
    expect(env.code, env.stderr).toBe(0);
    const lines = env.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('GREETING='))).toEqual(['GREETING=bye']);
    expect(lines).toEqual(expect.arrayContaining(['KEEP=1', 'NEW=2', '/tmp']));
    const big = await cli(suite.w, ['exec', 'shell', 'sh', '-c', 'yes 0123456789 | head -n 100000']);
    expect(big.code).toBe(0);
    expect(big.stdout.length).toBe(1_100_000);
    expect(big.stdout === '0123456789\n'.repeat(100_000)).toBe(true);

    const rec = await inspect(suite.w.session, c.Id);
    expect(rec.ExecIDs).toBeUndefined();
    const events = (await actions(c.Id)).filter((e) => e.action.startsWith('exec_'));
    expect(events.filter((e) => e.action === 'exec_die').map((e) => e.attributes?.exitCode)).toEqual([
      '0',
      '3',
      '127',
      '0',
      '0',
    ]);
    expect(events.filter((e) => e.action === 'exec_start')).toHaveLength(4); // the missing command never started
  });

  rootIt('cancelling an exec workflow kills the exec and unregisters it; the container runs on', async () => {
    const c = await running({ name: 'cancelme', image: 'busybox', cmd: ['sleep', '1000'] });
    const execId = 'c'.repeat(64);
    const handle = await suite.w.client.workflow.start<typeof containerExec>(WorkflowTypes.exec, {
      taskQueue: suite.w.taskQueue,
      workflowId: execWorkflowId(execId),
      args: [{ container: c.Id, execId, cmd: ['sleep', '1000'] }],
    });
    const pid = await until('the exec to run', () => readIntFile(execPaths(suite.rt.layout, c.Id, execId).pid));
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    expect(await isLive(pid)).toBe(false);
    const rec = await inspect(suite.w.session, c.Id);
    expect(rec.ExecIDs).toBeUndefined();
    expect(rec.State.Running).toBe(true);
    expect((await suite.rt.heldResources()).filter((h) => h.detail.startsWith('exec '))).toEqual([]);
  });

  rootIt('stop unregisters a running exec: its process is killed, ExecIDs empties, nothing is left', async () => {
    const c = await running({ name: 'busy', image: 'busybox', cmd: ['sleep', '1000'] });
    const execRun = cli(suite.w, ['exec', 'busy', 'sleep', '1000']);
    const execId = await until('the exec to register', async () => (await inspect(suite.w.session, c.Id)).ExecIDs?.[0]);
    const pidFile = execPaths(suite.rt.layout, c.Id, execId).pid;
    const pid = await until('the exec to run', () => readIntFile(pidFile));
    expect(await isLive(pid)).toBe(true);
    // runc writes the pid file once the process exists, while it is still `runc init`, before it execs the
    // command (its cmdline is then runc's): the same pid becomes `sleep`
    const command = () => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    expect(await until('the exec to be its command', async () => (command() === 'sleep' ? command() : undefined))).toBe(
      'sleep',
    );
    expect((await suite.rt.heldResources()).map((h) => h.detail)).toContain(`exec ${execId.slice(0, 12)} pid ${pid}`);

    await stop(suite.w.session, 'busy', 1);
    expect(await isLive(pid)).toBe(false);
    expect((await inspect(suite.w.session, c.Id)).ExecIDs).toBeUndefined();
    const r = await execRun;
    expect(r.code).toBe(137); // killed: 128 + SIGKILL
    expect(existsSync(execPaths(suite.rt.layout, c.Id, execId).record)).toBe(false);
    expect(await leaksOf(suite.rt.root, c.Id)).toEqual([]);
    await remove(suite.w.session, c.Id, false);
    expect(existsSync(execsDir(suite.rt.layout, c.Id))).toBe(false);
  });
});
