import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ContainerEvent, ContainerRecord } from '../../common/types';
import { simulatedRuntime } from '../runtimes';
import { cli, startTestWorker, type TestWorker } from '../harness';

// kill, pause, unpause and exec end to end through the real CLI on the dev server, with an in-process worker
// driving the simulated runtime (its processes end on a fatal signal; its execs end at once: exit 0, or N
// for `sh -c "exit N"`). Real processes are the Linux file's (verbs-linux.test.ts).

let w: TestWorker;
let root: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-e2e-verbs-'));
  w = await startTestWorker(inject('temporalAddress'), simulatedRuntime(root));
});

afterAll(async () => {
  await w?.shutdown();
  if (root) await fs.rm(root, { recursive: true, force: true });
});

async function ok(args: string[]): Promise<string> {
  const r = await cli(w, args);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

async function started(name: string): Promise<string> {
  const id = (await ok(['create', '--name', name, 'busybox', 'sleep', '1000'])).trim();
  await ok(['start', name]);
  return id;
}

async function inspect(name: string): Promise<ContainerRecord> {
  return (JSON.parse(await ok(['inspect', name])) as ContainerRecord[])[0]!;
}

async function eventsOf(id: string): Promise<ContainerEvent[]> {
  const out = await ok(['events', '--no-follow', '--json']);
  return out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ContainerEvent)
    .filter((e) => e.id === id);
}

describe.concurrent('kill, pause, unpause, exec through the CLI (simulated driver)', () => {
  it('kill: SIGKILL by default (137), -s TERM (143), the ref printed, a bad signal (400) and a stopped container (409)', async () => {
    const id = await started('vkill');
    const id2 = await started('vterm');
    expect(await ok(['kill', 'vkill'])).toBe('vkill\n');
    expect((await inspect('vkill')).State).toMatchObject({ Status: 'exited', Running: false, ExitCode: 137 });
    expect((await inspect('vkill')).HasBeenManuallyStopped).toBe(true);
    const killEvent = (await eventsOf(id)).find((e) => e.action === 'kill');
    expect(killEvent?.attributes).toEqual({ signal: '9' });

    const again = await cli(w, ['kill', 'vkill']);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toBe(
      `Error response from daemon: Cannot kill container: vkill: Container ${id} is not running\nError: failed to kill containers: vkill\n`,
    );

    const bad = await cli(w, ['kill', '-s', 'BOGUS', 'vterm']);
    expect([bad.code, bad.stderr]).toEqual([
      1,
      'Error response from daemon: Invalid signal: BOGUS\nError: failed to kill containers: vterm\n',
    ]);
    expect((await inspect('vterm')).State.Running).toBe(true);

    expect(await ok(['kill', '--signal', 'SIGTERM', 'vterm'])).toBe('vterm\n');
    expect((await inspect('vterm')).State).toMatchObject({ Running: false, ExitCode: 143 });
    expect((await eventsOf(id2)).map((e) => e.action)).toEqual(['create', 'start', 'kill', 'die']);
  });

  it('pause: paused in inspect and ps, start is 409 StartPaused, exec is 409, unpause; the 409s of pause and unpause', async () => {
    const id = await started('vpause');
    expect(await ok(['pause', 'vpause'])).toBe('vpause\n');
    expect((await inspect('vpause')).State).toMatchObject({ Status: 'paused', Running: true, Paused: true });
    // NAMES, then the HOST column (the test worker's host)
    expect(await ok(['ps'])).toMatch(
      new RegExp(`Up .* \\(Paused\\)\\s+vpause\\s+${(await inspect('vpause')).Node!.Name}\\n`),
    );

    const start = await cli(w, ['start', 'vpause']);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain(
      'Error response from daemon: Cannot start a paused container, try unpause instead.\nError: failed to start containers: vpause\n',
    );
    const exec = await cli(w, ['exec', 'vpause', 'ls']);
    expect([exec.code, exec.stderr]).toEqual([
      1,
      `Error response from daemon: Container ${id} is paused, unpause the container before exec\n`,
    ]);
    const twice = await cli(w, ['pause', 'vpause']);
    expect([twice.code, twice.stderr]).toEqual([
      1,
      `Error response from daemon: Container ${id} is already paused\nError: failed to pause containers: vpause\n`,
    ]);

    expect(await ok(['unpause', 'vpause'])).toBe('vpause\n');
    expect((await inspect('vpause')).State).toMatchObject({ Status: 'running', Running: true, Paused: false });
    const notPaused = await cli(w, ['unpause', 'vpause']);
    expect([notPaused.code, notPaused.stderr]).toEqual([
      1,
      `Error response from daemon: Container ${id} is not paused\nError: failed to unpause containers: vpause\n`,
    ]);
    expect((await eventsOf(id)).map((e) => e.action)).toEqual(['create', 'start', 'pause', 'unpause']);

    // stop of a paused container works (it is resumed first)
    await ok(['pause', 'vpause']);
    expect(await ok(['stop', 'vpause'])).toBe('vpause\n');
    expect((await inspect('vpause')).State).toMatchObject({ Status: 'exited', Paused: false });
  });

  it('exec: exit codes, -e/-w accepted, events with the exit code, ExecIDs empty after; the 409 and 125 cases', async () => {
    const id = await started('vexec');
    const zero = await cli(w, ['exec', '-e', 'A=1', '-w', '/tmp', 'vexec', 'true']);
    expect([zero.code, zero.stdout, zero.stderr]).toEqual([0, '', '']);
    const three = await cli(w, ['exec', 'vexec', 'sh', '-c', 'exit 3']);
    expect([three.code, three.stdout, three.stderr]).toEqual([3, '', '']);
    expect((await inspect('vexec')).ExecIDs).toBeUndefined();
    const execEvents = (await eventsOf(id)).filter((e) => e.action.startsWith('exec_'));
    expect(execEvents.map((e) => e.action)).toEqual([
      'exec_create',
      'exec_start',
      'exec_die',
      'exec_create',
      'exec_start',
      'exec_die',
    ]);
    expect(execEvents.at(-1)!.attributes).toMatchObject({ exitCode: '3' });

    const rel = await cli(w, ['exec', '-w', 'tmp', 'vexec', 'true']);
    expect([rel.code, rel.stderr]).toEqual([
      1,
      "Error response from daemon: the working directory 'tmp' is invalid, it needs to be an absolute path\n",
    ]);
    const noCmd = await cli(w, ['exec', 'vexec']);
    expect(noCmd.code).toBe(125);
    expect(noCmd.stderr).toMatch(
      /^container-saga: missing required argument 'command'\. See 'container-saga exec --help'\.\n$/,
    );
    const badEnv = await cli(w, ['exec', '-e', '=x', 'vexec', 'true']);
    expect(badEnv.code).toBe(125);

    await ok(['stop', 'vexec']);
    const stopped = await cli(w, ['exec', 'vexec', 'true']);
    expect([stopped.code, stopped.stderr]).toEqual([1, `Error response from daemon: Container ${id} is not running\n`]);
    const missing = await cli(w, ['exec', 'nosuch', 'true']);
    expect([missing.code, missing.stderr]).toEqual([1, 'Error response from daemon: No such container: nosuch\n']);
  });
});
