/** kill, pause, unpause and exec on the simulated runtime: Docker's rules, the record, the events. No Temporal. */
import { beforeEach, describe, expect, it } from 'vitest';
import { HOST_STEPS } from '../../common/steps';
import { execPaths } from '../../runtime/exec-layout';
import type { SimulatedRuntime } from '../../runtime/simulated-runtime';
import { simulatedRuntime } from '../runtimes';
import { expectError, rejected, tempDirEach } from './helpers';

const root = tempDirEach('sim-verbs');
let rt: SimulatedRuntime;

beforeEach(() => {
  rt = simulatedRuntime(root.path);
});

const EXEC_ID = 'e'.repeat(64);

/** A container through every host step and mark-running, as the saga leaves it. */
async function running(name: string): Promise<string> {
  const { Id } = await rt.create({ image: 'busybox', name, cmd: ['sleep', '100'] });
  for (const s of HOST_STEPS) {
    if (s.name === 'spec') await rt.acquire('spec', { id: Id, env: ['PATH=/bin'], extraHosts: [] });
    else if (s.name !== 'working-dir') await rt.acquire(s.name, { id: Id } as never);
  }
  const { pid } = await rt.acquire('process', { id: Id });
  await rt.markRunning(Id, pid);
  return Id;
}

const actions = async (id: string) => (await rt.events(0)).events.filter((e) => e.id === id).map((e) => e.action);

describe('kill', () => {
  it('SIGKILL by default: exited 137, manually stopped, `kill` with the number', async () => {
    const id = await running('k1');
    expect(await rt.kill('k1')).toEqual({ containerId: id, signal: 9 });
    const rec = await rt.lookup(id);
    expect(rec.State).toMatchObject({ Running: false, Status: 'exited', ExitCode: 137 });
    expect(rec.HasBeenManuallyStopped).toBe(true);
    const kill = (await rt.events(0)).events.find((e) => e.id === id && e.action === 'kill');
    expect(kill?.attributes).toEqual({ signal: '9' });
    expect(await actions(id)).toEqual(['create', 'start', 'kill', 'die']);
  });

  it('a bad signal is 400 before anything; a stopped container is 409 with the ref as given', async () => {
    const id = await running('k2');
    expectError(await rejected(rt.kill('k2', 'BOGUS')), { type: 'InvalidParameter', message: 'Invalid signal: BOGUS' });
    expect((await rt.lookup(id)).HasBeenManuallyStopped).toBeUndefined();
    await rt.kill('k2', 'TERM');
    expectError(await rejected(rt.kill('k2')), {
      type: 'ContainerNotRunning',
      message: `Cannot kill container: k2: Container ${id} is not running`,
    });
  });

  it('a signal that does not end the process leaves it running', async () => {
    const id = await running('k3');
    await rt.kill('k3', 'WINCH');
    expect((await rt.lookup(id)).State.Running).toBe(true);
  });
});

describe('pause and unpause', () => {
  it('Paused and Status, events, the 409s', async () => {
    const id = await running('p1');
    await rt.pause('p1');
    expect((await rt.lookup(id)).State).toMatchObject({ Running: true, Paused: true, Status: 'paused' });
    expectError(await rejected(rt.pause('p1')), { type: 'Conflict', message: `Container ${id} is already paused` });
    await rt.unpause('p1');
    expect((await rt.lookup(id)).State).toMatchObject({ Running: true, Paused: false, Status: 'running' });
    expectError(await rejected(rt.unpause('p1')), { type: 'Conflict', message: `Container ${id} is not paused` });
    expect(await actions(id)).toEqual(['create', 'start', 'pause', 'unpause']);
    const { Id: stopped } = await rt.create({ image: 'busybox', name: 'p2', cmd: ['true'] });
    expectError(await rejected(rt.pause('p2')), {
      type: 'ContainerNotRunning',
      message: `Container ${stopped} is not running`,
    });
  });

  it('stop and rm -f of a paused container resume it first', async () => {
    const a = await running('p3');
    await rt.pause(a);
    await rt.stop(a, 1);
    expect((await rt.lookup(a)).State).toMatchObject({ Running: false, Paused: false, Status: 'exited' });
    expect(await actions(a)).toEqual(['create', 'start', 'pause', 'unpause', 'die', 'stop']);
    const b = await running('p4');
    await rt.pause(b);
    await rt.remove(b, true);
    expect((await rt.heldResources()).filter((h) => h.containerId === b)).toEqual([]);
  });
});

describe('exec', () => {
  it('registered while it runs, exit N of sh -c "exit N", events, unregistered after', async () => {
    const id = await running('x1');
    const created = await rt.createExec({ container: 'x1', execId: EXEC_ID, cmd: ['sh', '-c', 'exit 3'] });
    expect(created).toEqual({ containerId: id, execId: EXEC_ID });
    expect((await rt.lookup(id)).ExecIDs).toEqual([EXEC_ID]);
    const result = await rt.runExec(id, EXEC_ID, { container: id, cmd: ['sh', '-c', 'exit 3'] });
    expect(result).toEqual({ containerId: id, execId: EXEC_ID, exitCode: 3 });
    expect((await rt.lookup(id)).ExecIDs).toBeUndefined();
    expect(await actions(id)).toEqual(['create', 'start', 'exec_create', 'exec_start', 'exec_die']);
    // a retry after the end reads its status instead of running it again
    expect(await rt.runExec(id, EXEC_ID, { container: id, cmd: ['sh', '-c', 'exit 3'] })).toMatchObject({
      exitCode: 3,
    });
    expect(await rt.readExecOutput({ container: id, execId: EXEC_ID })).toEqual({
      stdout: { text: '', next: 0, more: false },
      stderr: { text: '', next: 0, more: false },
    });
  });

  it('the 409s of a stopped or paused container; bad requests (400)', async () => {
    const id = await running('x2');
    await rt.pause(id);
    expectError(await rejected(rt.createExec({ container: id, cmd: ['ls'] })), {
      type: 'Conflict',
      message: `Container ${id} is paused, unpause the container before exec`,
    });
    await rt.unpause(id);
    expectError(await rejected(rt.createExec({ container: id, cmd: [] })), {
      type: 'InvalidParameter',
      message: 'No exec command specified',
    });
    expectError(await rejected(rt.createExec({ container: id, cmd: ['ls'], workingDir: 'rel' })), {
      type: 'InvalidParameter',
      message: "the working directory 'rel' is invalid, it needs to be an absolute path",
    });
    await rt.stop(id, 0);
    expectError(await rejected(rt.createExec({ container: id, cmd: ['ls'] })), {
      type: 'ContainerNotRunning',
      message: `Container ${id} is not running`,
    });
  });

  it('the process release unregisters a registered exec: its record goes, ExecIDs empties', async () => {
    const id = await running('x3');
    await rt.createExec({ container: id, execId: EXEC_ID, cmd: ['sleep', '1000'] });
    // registered as the exec runs (the simulated one ends at once: register it by hand, as runExec would)
    const { writeFile, mkdir } = await import('node:fs/promises');
    const p = execPaths(rt.driver.layout, id, EXEC_ID);
    await mkdir(p.dir, { recursive: true });
    await writeFile(p.record, '{}');
    expect((await rt.heldResources()).map((h) => h.detail)).toContain(`simulated exec ${EXEC_ID.slice(0, 12)}`);
    await rt.stop(id, 0);
    expect((await rt.lookup(id)).ExecIDs).toBeUndefined();
    expect((await rt.heldResources()).filter((h) => h.containerId === id)).toEqual([]);
  });
});
