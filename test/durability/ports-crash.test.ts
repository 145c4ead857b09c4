import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject } from 'vitest';
import { createContainer, inspect, remove, startContainer, stop } from '../../client/api';
import { connect, type Session } from '../../client/connection';
import { markedProxies } from '../../runtime/drivers/linux/port-proxy';
import { leaksOf } from '../../runtime/drivers/linux/probe';
import { releaseStateRoot } from '../../runtime/drivers/linux/mounts';
import { deleteNetns } from '../../runtime/drivers/linux/netns';
import { releaseUplink } from '../../runtime/drivers/linux/uplink';
import { linuxRuntime, linuxUnavailable, rootTest, testNetwork } from '../linux-fixture';
import { spawnWorker, writeBundle, type WorkerProcess } from './worker-process';

// A published port lives in its proxy, not in the worker: the worker PROCESS is SIGKILLed while a container
// publishes a port, the port keeps answering with no worker at all, and the next worker's stop and rm find
// the proxy from its record and end it. Linux only (needs root and socat).

const NET = testNetwork('durability/ports-crash');
const rootIt = rootTest(() => unavailable);
let unavailable: string | undefined;
let dir = '';
let root = '';
let env: NodeJS.ProcessEnv = {};
let worker: WorkerProcess | undefined;
let session: Session | undefined;

async function body(port: number): Promise<string> {
  return fetch(`http://127.0.0.1:${port}/index.html`, { signal: AbortSignal.timeout(3000) }).then(
    (r) => r.text(),
    (e: Error) => (e.cause as NodeJS.ErrnoException | undefined)?.code ?? e.message,
  );
}

async function answers(port: number, want: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await body(port)) === want) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`127.0.0.1:${port} did not answer ${JSON.stringify(want)}: ${await body(port)}`);
}

/** The session ID of a process (/proc/<pid>/stat's 6th field). */
async function sessionOf(pid: number): Promise<number> {
  const text = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[3]);
}

describe('published ports across a worker SIGKILL (Linux driver)', () => {
  beforeAll(async () => {
    unavailable = await linuxUnavailable();
    if (unavailable) return;
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-pcrash-'));
    root = await fs.mkdtemp('/tmp/cs-pcrash-root-');
    env = {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      CONTAINER_SAGA_TASK_QUEUE: `pcrash-${path.basename(dir)}`,
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
    'the port answers with the worker dead; the next worker stops it and rm leaves no proxy',
    async () => {
      const { Id } = await createContainer(session!, {
        image: 'busybox',
        cmd: ['sh', '-c', 'mkdir -p /www && echo alive > /www/index.html && exec httpd -f -p 8080 -h /www'],
        hostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
      });
      await startContainer(session!, Id);
      const rec = await inspect(session!, Id);
      const port = Number(rec.NetworkSettings.Ports!['8080/tcp']![0]!.HostPort);
      await answers(port, 'alive\n');
      const [proxy] = await markedProxies(Id);
      expect(proxy).toBeDefined();
      // its own session: no signal to the worker's group reaches it
      expect(await sessionOf(proxy!.pid)).toBe(proxy!.pid);

      await worker!.kill('SIGKILL');
      worker = undefined;
      await new Promise((r) => setTimeout(r, 500)); // the spawn helper sees its channel close and exits
      for (let i = 0; i < 5; i++) expect(await body(port)).toBe('alive\n');
      expect((await markedProxies(Id)).map((p) => p.pid)).toEqual([proxy!.pid]);

      worker = await spawnWorker(env);
      await stop(session!, Id, 5);
      expect(await markedProxies(Id)).toEqual([]);
      expect(await body(port)).toBe('ECONNREFUSED');
      await remove(session!, Id, true);
      expect(await leaksOf(root, Id)).toEqual([]);
    },
    120_000,
  );
});
