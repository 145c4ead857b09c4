import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject } from 'vitest';
import { createContainer, inspect, remove, startContainer } from '../../client/api';
import { connect, type Session } from '../../client/connection';
import { startWorkflowId } from '../../common/names';
import type { ContainerRuntime, HeldResource } from '../../runtime/contract';
import { FAULT_LABEL } from '../../runtime/faults';
import { mountsUnder, readMountInfo } from '../../runtime/drivers/linux/mountinfo';
import { releaseStateRoot } from '../../runtime/drivers/linux/mounts';
import { deleteNetns } from '../../runtime/drivers/linux/netns';
import { releaseUplink } from '../../runtime/drivers/linux/uplink';
import { simulatedRuntime } from '../runtimes';
import { cli } from '../harness';
import { linuxRuntime, linuxUnavailable, rootTest, testNetwork } from '../linux-fixture';
import { STEPS_WITH_RELEASE } from './steps-with-release';
import { spawnWorker, waitForFile, writeBundle, type WorkerProcess } from './worker-process';

// Durability against real crashes: the worker PROCESS is SIGKILLed while a step is in flight, after the
// step did its side effect (its report is lost), and a new worker process takes over. The start must then
// complete within 30 s of the new worker polling, with the retried step adopting what the dead one made
// (nothing doubled), and nothing leaked once the container is removed. Both drivers; Linux needs root.

const NET = testNetwork('durability/crash');
/** a volume and a published loopback port: a retried network step must adopt the port's proxy, not add one */
const HOST_CONFIG = {
  Binds: ['vol:/data'],
  PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
};
const table: string[] = [];

interface Fixture {
  dir: string;
  root: string;
  env: NodeJS.ProcessEnv;
  driver: ContainerRuntime;
  worker?: WorkerProcess;
  session: Session;
  cleanup(): Promise<void>;
}

async function fixture(kind: 'simulated' | 'linux', bundle: string): Promise<Fixture> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `cs-crash-${kind}-`));
  const taskQueue = `crash-${kind}-${path.basename(dir)}`;
  const root = kind === 'linux' ? await fs.mkdtemp('/tmp/cs-crash-root-') : path.join(dir, 'root');
  const env = {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    CONTAINER_SAGA_TASK_QUEUE: taskQueue,
    CONTAINER_SAGA_ROOT: root,
    CONTAINER_SAGA_DRIVER: kind,
    CONTAINER_SAGA_WORKFLOW_BUNDLE: bundle,
    CONTAINER_SAGA_HOST_NETNS: NET.hostNetns,
    CONTAINER_SAGA_SUBNET: NET.subnet,
    CONTAINER_SAGA_UPLINK_SUBNET: NET.uplinkSubnet,
  };
  const driver = kind === 'linux' ? linuxRuntime(root, NET) : simulatedRuntime(root);
  const session = await connect({ ...process.env, ...env });
  const f: Fixture = {
    dir,
    root,
    env,
    driver,
    session,
    cleanup: async () => {
      for (const c of await driver.list()) await driver.remove(c.Id, true).catch(() => undefined);
      await f.worker?.kill();
      await session.connection.close();
      if (kind === 'linux') {
        await releaseStateRoot(root).catch(() => undefined);
        await deleteNetns(NET.hostNetns);
        await releaseUplink(NET.hostNetns);
      }
    },
  };
  f.worker = await spawnWorker(env);
  if (kind === 'linux') await driver.importImage('busybox', 'busybox-static');
  return f;
}

/** What a container holds, as "kind detail" strings, for comparing and spotting duplicates. */
async function heldBy(driver: ContainerRuntime, id: string): Promise<string[]> {
  return (await driver.heldResources())
    .filter((h: HeldResource) => h.containerId === id)
    .map((h) => `${h.kind} ${h.detail}`)
    .sort();
}

for (const kind of ['simulated', 'linux'] as const) {
  describe(`worker SIGKILL mid-step (${kind} driver)`, () => {
    let f: Fixture | undefined;
    let unavailable: string | undefined;
    const rootIt = rootTest(() => unavailable);
    let reference: string[] = [];
    let bundleDir: string | undefined;

    beforeAll(async () => {
      if (kind === 'linux') unavailable = await linuxUnavailable();
      if (unavailable) return;
      bundleDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-bundle-'));
      f = await fixture(kind, await writeBundle(bundleDir));
      // What one running container holds when nothing crashed: the shape every recovered start must have.
      const { Id } = await createContainer(f.session, {
        image: 'busybox',
        cmd: ['sleep', '1000'],
        hostConfig: HOST_CONFIG,
      });
      await startContainer(f.session, Id);
      reference = (await heldBy(f.driver, Id)).map((r) => r.split(' ')[0]!);
      expect(reference).toContain('port'); // its published port's proxy (or table entry) is held with the rest
      await remove(f.session, Id, true);
    }, 120_000);

    afterAll(async () => {
      if (bundleDir) await fs.rm(bundleDir, { recursive: true, force: true });
      if (!f) return;
      const held = await f.driver.heldResources();
      const mounts = kind === 'linux' ? mountsUnder(await readMountInfo(), f.root) : [];
      await f.cleanup();
      expect(held).toEqual([]);
      expect(mounts).toEqual([]);
      // nothing left: the temp dirs go too (kept when something was, for a post-mortem)
      await fs.rm(f.dir, { recursive: true, force: true });
      if (kind === 'linux') await fs.rm(f.root, { recursive: true, force: true });
      if (table.length > 0 && kind === 'linux')
        console.log(`crash table (step × worker SIGKILL → outcome, leaks):\n${table.join('\n')}`);
    }, 60_000);

    for (const step of STEPS_WITH_RELEASE) {
      rootIt(
        `SIGKILL while ${step} is in flight after its side effect: the new worker finishes the start, nothing doubled or leaked`,
        async () => {
          const fx = f!;
          const hold = path.join(fx.root, `${step}.release`);
          const { Id } = await createContainer(fx.session, {
            image: 'busybox',
            cmd: ['sleep', '1000'],
            hostConfig: HOST_CONFIG,
            labels: { [FAULT_LABEL]: `${step}=hold-after:${hold}` },
          });
          // The CLI's start waits across the crash (for the process step); the others use the same client library.
          const viaCli = step === 'process';
          const started = viaCli
            ? cli({ address: fx.env.TEMPORAL_ADDRESS!, taskQueue: fx.env.CONTAINER_SAGA_TASK_QUEUE! }, ['start', Id])
            : startContainer(fx.session, Id);
          await waitForFile(`${hold}.held`);
          await fx.worker!.kill('SIGKILL');
          await fs.writeFile(hold, '');
          fx.worker = await spawnWorker(fx.env);
          const outcome = await started;
          const recovery = Date.now() - fx.worker.readyAt;
          if (viaCli) {
            const r = outcome as { code: number; stdout: string; stderr: string };
            expect(r.code, r.stderr).toBe(0);
            expect(r.stdout).toBe(`${Id}\n`);
          }
          expect(recovery).toBeLessThan(30_000);
          const rec = await inspect(fx.session, Id);
          expect(rec.State).toMatchObject({ Status: 'running', Running: true });
          if (kind === 'linux') expect(() => process.kill(rec.State.Pid, 0)).not.toThrow();
          const held = await heldBy(fx.driver, Id);
          expect(new Set(held).size).toBe(held.length); // nothing doubled
          expect(held.map((r) => r.split(' ')[0])).toEqual(reference); // exactly what a clean start holds
          await remove(fx.session, Id, true);
          const left = await heldBy(fx.driver, Id);
          expect(left).toEqual([]);
          table.push(
            `${kind.padEnd(9)} ${step.padEnd(12)} worker SIGKILL → running after ${(recovery / 1000).toFixed(1)} s of the new worker; leaked: ${left.length === 0 ? 'none' : left.join(', ')}`,
          );
        },
      );
    }

    rootIt(
      'SIGKILL with the process started, then a cancel request: the new worker finds the claim its run holds and releases all the dead worker made',
      async () => {
        const fx = f!;
        const hold = path.join(fx.root, 'cancelled-crash.release');
        const { Id } = await createContainer(fx.session, {
          image: 'busybox',
          cmd: ['sleep', '1000'],
          hostConfig: HOST_CONFIG,
          labels: { [FAULT_LABEL]: `process=hold-after:${hold}` },
        });
        const handle = await fx.session.client.workflow.start('containerStart', {
          taskQueue: fx.session.taskQueue,
          workflowId: startWorkflowId(Id),
          args: [{ container: Id }],
        });
        await waitForFile(`${hold}.held`);
        await fx.worker!.kill('SIGKILL');
        await fs.writeFile(hold, '');
        // every step's side effect stands, and no marker of the dead task says so
        expect((await heldBy(fx.driver, Id)).map((r) => r.split(' ')[0])).toEqual(reference);
        await handle.cancel();
        fx.worker = await spawnWorker(fx.env);
        await handle.result().catch(() => undefined);
        expect((await handle.describe()).status.name).toBe('CANCELLED');
        const rec = await inspect(fx.session, Id);
        expect(rec.State).toMatchObject({ Running: false, Pid: 0 });
        expect(rec.StartingBy).toBeUndefined();
        expect(await heldBy(fx.driver, Id)).toEqual([]);
        await remove(fx.session, Id, true);
        table.push(`${kind.padEnd(9)} process      worker SIGKILL + cancel → cancelled; leaked: none`);
      },
    );
  });
}
