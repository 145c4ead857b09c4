import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject } from 'vitest';
import { createContainer, inspect, readEvents, startContainer, stop } from '../../client/api';
import { connect, type Session } from '../../client/connection';
import { monitorWorkflowId } from '../../common/monitor-api';
import type { ContainerRecord, CreateRequest } from '../../common/types';
import type { LinuxRuntime } from '../../runtime/linux-runtime';
import { leaksOf } from '../../runtime/drivers/linux/probe';
import { closeAndExpectNothingLeft, linuxRuntime, linuxUnavailable, rootTest, testNetwork } from '../linux-fixture';
import { spawnWorker, writeBundle, type WorkerProcess } from './worker-process';

// The container monitor against real crashes (Linux driver, root): the worker PROCESS is SIGKILLed while a
// monitor waits for an exit and while it restarts a container, and the next worker loses no exit and no
// restart; a worker's start-up restore brings back a container whose policy says so, and leaves one the
// user stopped down.

const NET = testNetwork('durability/monitor-crash');

describe('the monitor across worker crashes (Linux driver)', () => {
  let unavailable: string | undefined;
  const rootIt = rootTest(() => unavailable, 120_000);
  let rt: LinuxRuntime;
  let env: NodeJS.ProcessEnv;
  let session: Session;
  let worker: WorkerProcess | undefined;
  let dirs: string[] = [];

  beforeAll(async () => {
    unavailable = await linuxUnavailable();
    if (unavailable) return;
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-monitor-crash-'));
    const root = await fs.mkdtemp('/tmp/cs-monitor-crash-root-');
    dirs = [dir, root];
    env = {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      CONTAINER_SAGA_TASK_QUEUE: `monitor-crash-${path.basename(dir)}`,
      CONTAINER_SAGA_ROOT: root,
      CONTAINER_SAGA_DRIVER: 'linux',
      CONTAINER_SAGA_WORKFLOW_BUNDLE: await writeBundle(dir),
      CONTAINER_SAGA_HOST_NETNS: NET.hostNetns,
      CONTAINER_SAGA_SUBNET: NET.subnet,
      CONTAINER_SAGA_UPLINK_SUBNET: NET.uplinkSubnet,
    };
    rt = linuxRuntime(root, NET);
    await rt.importImage('busybox', 'busybox-static');
    session = await connect({ ...process.env, ...env });
    worker = await spawnWorker(env);
  }, 120_000);

  afterAll(async () => {
    if (!rt) return;
    await worker?.kill();
    await session.connection.close();
    await closeAndExpectNothingLeft(rt, NET.hostNetns);
    // nothing left: the temp dirs go too (kept when something was, for a post-mortem)
    for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
  }, 60_000);

  async function createAndStart(req: CreateRequest): Promise<string> {
    const { Id } = await createContainer(session, req);
    await startContainer(session, Id);
    return Id;
  }

  async function until(what: string, probe: (r: ContainerRecord) => boolean, ms = 60_000): Promise<ContainerRecord> {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
      const r = await inspect(session, what.split(' ')[0]!);
      if (probe(r)) return r;
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  const diesOf = async (id: string) =>
    (await readEvents(session, 0)).events.filter((e) => e.id === id && e.action === 'die');

  rootIt(
    'SIGKILL while a monitor waits: an exit that happened while no worker ran is seen, cleaned up and restarted',
    async () => {
      // run 1 exits 5 after a second (while no worker runs); run 2 finds its marker and stays up
      const script = 'if [ -e /data/ran ]; then exec sleep 1000; fi; touch /data/ran; sleep 1; exit 5';
      const id = await createAndStart({
        image: 'busybox',
        cmd: ['sh', '-c', script],
        hostConfig: { Binds: ['crashvol:/data'], RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } },
      });
      const first = await inspect(session, id);
      await worker!.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 2000));
      worker = await spawnWorker(env);
      const back = await until(`${id} restarted`, (r) => r.State.Running && r.RestartCount === 1);
      expect(back.State.Pid).not.toBe(first.State.Pid);
      expect((await diesOf(id)).map((e) => e.attributes?.exitCode)).toEqual(['5']);
      await stop(session, id, 1);
      expect(await leaksOf(rt.root, id)).toEqual([]);
    },
  );

  rootIt(
    'SIGKILL while a monitor restarts (backoff timer or restart in flight): every restart still happens, once',
    async () => {
      const id = await createAndStart({
        image: 'busybox',
        cmd: ['sh', '-c', 'exit 1'],
        hostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 6 } },
      });
      await until(`${id} at its fourth restart`, (r) => (r.RestartCount ?? 0) >= 4);
      await worker!.kill('SIGKILL');
      worker = await spawnWorker(env);
      const done = await until(
        `${id} done restarting`,
        (r) => r.RestartCount === 6 && !r.State.Running && !r.State.Restarting,
        90_000,
      );
      expect([done.State.Status, done.State.ExitCode]).toEqual(['exited', 1]);
      for (let i = 0; i < 50 && (await diesOf(id)).length < 7; i++) await new Promise((r) => setTimeout(r, 200));
      expect(await diesOf(id)).toHaveLength(7);
      for (let i = 0; i < 50 && (await leaksOf(rt.root, id)).length > 0; i++)
        await new Promise((r) => setTimeout(r, 200));
      expect(await leaksOf(rt.root, id)).toEqual([]);
    },
  );

  rootIt(
    'start-up restore: a container whose policy says so comes back without a monitor; one the user stopped stays down',
    async () => {
      const always = await createAndStart({
        image: 'busybox',
        cmd: ['sleep', '1000'],
        hostConfig: { RestartPolicy: { Name: 'always', MaximumRetryCount: 0 } },
      });
      const stopped = await createAndStart({
        image: 'busybox',
        cmd: ['sleep', '1000'],
        hostConfig: { RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 } },
      });
      await stop(session, stopped, 1);
      // A container without a monitor, whose process dies while no worker runs.
      await session.client.workflow
        .getHandle(monitorWorkflowId(always))
        .terminate('test: a container without a monitor');
      const pid = (await inspect(session, always)).State.Pid;
      await worker!.kill('SIGKILL');
      process.kill(pid, 'SIGKILL');
      worker = await spawnWorker({ ...env, CONTAINER_SAGA_RECONCILE: '1' });
      const back = await until(`${always} restored`, (r) => r.State.Running && r.RestartCount === 1).catch(
        (err: unknown) => {
          throw new Error(`${String(err)}\nworker:\n${worker!.output()}`);
        },
      );
      expect(back.State.Status).toBe('running');
      // the reconcile logs once its restore workflow has returned, which may be after the restart it caused
      for (let i = 0; i < 100 && !/start-up reconcile: .*monitoring/.test(worker.output()); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(worker.output()).toMatch(/start-up reconcile: .*monitoring/);
      const down = await inspect(session, stopped);
      expect([down.State.Status, down.State.Running, down.RestartCount]).toEqual(['exited', false, 0]);
      await stop(session, always, 1);
    },
  );
});
