import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject } from 'vitest';
import { createContainer, inspect, remove, startContainer, stop } from '../../client/api';
import { connect, type Session } from '../../client/connection';
import { Layout } from '../../runtime/drivers/layout';
import { leaksOf } from '../../runtime/drivers/linux/probe';
import { releaseStateRoot } from '../../runtime/drivers/linux/mounts';
import { deleteNetns } from '../../runtime/drivers/linux/netns';
import { releaseUplink } from '../../runtime/drivers/linux/uplink';
import { parseLogLine } from '../../runtime/k8s-file';
import { connectAttach } from '../../runtime/stdio/attach-socket';
import { linuxRuntime, linuxUnavailable, rootTest, testNetwork } from '../linux-fixture';
import { spawnWorker, writeBundle, type WorkerProcess } from './worker-process';

// A terminal session lives in the container's conmon, not in the worker: the worker PROCESS is SIGKILLed while
// a `-it` shell runs, the shell keeps its state and takes input on its attach socket with no worker at all, and
// the next worker finds the same process running, stops it and leaves nothing. Linux only (needs root).

const NET = testNetwork('durability/tty-crash');
const rootIt = rootTest(() => unavailable);
let unavailable: string | undefined;
let dir = '';
let root = '';
let env: NodeJS.ProcessEnv = {};
let worker: WorkerProcess | undefined;
let session: Session | undefined;

/** The container's terminal output so far (conmon's log, every entry's text). */
async function output(id: string): Promise<string> {
  const text = await fs.readFile(new Layout(root).log(id), 'utf8').catch(() => '');
  return text
    .split('\n')
    .map((l) => parseLogLine(l)?.text ?? '')
    .join('');
}

async function until(id: string, want: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await output(id)).includes(want)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the terminal never showed ${JSON.stringify(want)}: ${JSON.stringify(await output(id))}`);
}

/** Types one line on the container's terminal through a fresh attach connection, as a re-attached client does. */
async function type(id: string, line: string): Promise<void> {
  const conn = connectAttach(new Layout(root).attachSocket(id));
  expect(await conn.write(Buffer.from(`${line}\n`))).toBe(true);
  await new Promise((r) => setTimeout(r, 200)); // socat hands the bytes over before it is closed
  conn.close();
  await conn.closed;
}

describe('a terminal session across a worker SIGKILL (Linux driver)', () => {
  beforeAll(async () => {
    unavailable = await linuxUnavailable();
    if (unavailable) return;
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-ttycrash-'));
    root = await fs.mkdtemp('/tmp/cs-ttycrash-root-');
    env = {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      CONTAINER_SAGA_TASK_QUEUE: `ttycrash-${path.basename(dir)}`,
      CONTAINER_SAGA_ROOT: root,
      CONTAINER_SAGA_DRIVER: 'linux',
      CONTAINER_SAGA_WORKFLOW_BUNDLE: await writeBundle(dir),
      CONTAINER_SAGA_HOST_NETNS: NET.hostNetns,
      CONTAINER_SAGA_SUBNET: NET.subnet,
      CONTAINER_SAGA_UPLINK_SUBNET: NET.uplinkSubnet,
    };
    await linuxRuntime(root, NET).importImage('busybox', 'busybox-static');
    session = await connect({ ...process.env, ...env });
    worker = await spawnWorker(env);
  }, 120_000);

  afterAll(async () => {
    if (!root) return;
    const rt = linuxRuntime(root, NET);
    for (const c of await rt.list()) await rt.remove(c.Id, true).catch(() => undefined);
    await worker?.kill();
    await session?.connection.close();
    await releaseStateRoot(root).catch(() => undefined);
    await deleteNetns(NET.hostNetns);
    await releaseUplink(NET.hostNetns);
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rm(root, { recursive: true, force: true });
  }, 60_000);

  rootIt(
    'the shell keeps its state and its input with the worker dead; the next worker finds the same process',
    async () => {
      const { Id } = await createContainer(session!, {
        image: 'busybox',
        cmd: ['sh'],
        tty: true,
        openStdin: true,
        env: ['PS1=$ '],
      });
      await startContainer(session!, Id);
      const before = await inspect(session!, Id);
      await type(Id, 'KEPT=before-crash; echo "pid-$$"');
      await until(Id, 'pid-1');

      await worker!.kill('SIGKILL');
      worker = undefined;
      await new Promise((r) => setTimeout(r, 500)); // the spawn helper sees its channel close and exits
      // no worker: the terminal is conmon's, and the shell remembers what it was told before
      await type(Id, 'echo "still-$KEPT"');
      await until(Id, 'still-before-crash');

      worker = await spawnWorker(env);
      const after = await inspect(session!, Id);
      expect(after.State.Running).toBe(true);
      expect(after.State.Pid).toBe(before.State.Pid);
      await type(Id, 'echo "again-$KEPT"');
      await until(Id, 'again-before-crash');
      await stop(session!, Id, 5);
      await remove(session!, Id, true);
      expect(await leaksOf(root, Id)).toEqual([]);
    },
    120_000,
  );
});
