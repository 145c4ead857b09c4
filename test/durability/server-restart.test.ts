import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { connect } from '../../client/connection';
import { createContainer } from '../../client/api';
import { startWorkflowId } from '../../common/names';
import type { ContainerStartResult } from '../../common/start-api';
import type { HostRuntime } from '../../runtime/host-runtime';
import { FAULT_LABEL } from '../../runtime/faults';
import type { LinuxRuntime } from '../../runtime/linux-runtime';
import { simulatedRuntime } from '../runtimes';
import { freePort, startDevServer, type DevServer } from '../../scripts/dev-server';
import { startTestWorker, type TestWorker } from '../harness';
import { closeAndExpectNothingLeft, linuxUnavailable, openLinuxRuntime, rootTest, testNetwork } from '../linux-fixture';
import { STEPS_WITH_RELEASE } from './steps-with-release';
import { waitForFile } from './worker-process';

// The Temporal dev server (history in SQLite) is stopped while each side-effecting step is in flight and
// started again on the same file: the start completes once it is back, holding exactly one of everything.

const NET = testNetwork('durability/server-restart');
const table: string[] = [];

for (const kind of ['simulated', 'linux'] as const) {
  describe(`dev server restart mid-step (${kind} driver)`, () => {
    let dir: string;
    let port: number;
    let server: DevServer;
    let rt: HostRuntime;
    let w: TestWorker;
    let unavailable: string | undefined;
    const rootIt = rootTest(() => unavailable);

    beforeAll(async () => {
      if (kind === 'linux') unavailable = await linuxUnavailable();
      if (unavailable) return;
      dir = await fs.mkdtemp(path.join(os.tmpdir(), `cs-restart-${kind}-`));
      port = await freePort();
      server = await startDevServer({ port, uiPort: false, dbFile: path.join(dir, 'temporal.db') });
      rt = kind === 'linux' ? await openLinuxRuntime('cs-restart-root', NET) : simulatedRuntime(path.join(dir, 'root'));
      w = await startTestWorker(server.address, rt);
    }, 120_000);

    afterAll(async () => {
      if (!rt) return;
      await w?.shutdown();
      await server?.stop();
      if (kind === 'linux') {
        await closeAndExpectNothingLeft(rt as LinuxRuntime, NET.hostNetns);
      } else {
        for (const c of await rt.list()) await rt.remove(c.Id, true);
        expect(await rt.heldResources()).toEqual([]);
      }
      if (kind === 'linux' && table.length > 0)
        console.log(`server restart table (step → outcome, leaks):\n${table.join('\n')}`);
      // nothing left: the temp dir (the server's database, the simulated root, hold files) goes too
      await fs.rm(dir, { recursive: true, force: true });
    }, 60_000);

    for (const step of STEPS_WITH_RELEASE) {
      rootIt(
        `server restarted while ${step} is in flight: the start completes after it returns`,
        async () => {
          const hold = path.join(rt.root, `${step}.release`);
          const { Id } = await createContainer(w.session, {
            image: 'busybox',
            cmd: ['sleep', '1000'],
            hostConfig: { Binds: ['rvol:/data'] },
            labels: { [FAULT_LABEL]: `${step}=hold-after:${hold}` },
          });
          await w.client.workflow.start('containerStart', {
            taskQueue: w.taskQueue,
            workflowId: startWorkflowId(Id),
            args: [{ container: Id }],
          });
          await waitForFile(`${hold}.held`);
          const restart = Date.now();
          await server.stop();
          await fs.writeFile(hold, ''); // the step finishes while the server is down: its report must wait
          server = await startDevServer({ port, uiPort: false, dbFile: path.join(dir, 'temporal.db') });
          const s = await connect({ ...process.env, TEMPORAL_ADDRESS: server.address });
          try {
            const result = (await s.client.workflow.getHandle(startWorkflowId(Id)).result()) as ContainerStartResult;
            expect(result.status).toBe('running');
          } finally {
            await s.connection.close();
          }
          const took = Date.now() - restart;
          const rec = await rt.lookup(Id);
          expect(rec.State.Running).toBe(true);
          const held = (await rt.heldResources())
            .filter((h) => h.containerId === Id)
            .map((h) => `${h.kind} ${h.detail}`);
          expect(new Set(held).size).toBe(held.length);
          await rt.remove(Id, true);
          const left = (await rt.heldResources()).filter((h) => h.containerId === Id);
          expect(left).toEqual([]);
          table.push(
            `${kind.padEnd(9)} ${step.padEnd(12)} server stop + restart → running ${(took / 1000).toFixed(1)} s after the stop began; leaked: ${left.length === 0 ? 'none' : left.length}`,
          );
        },
        120_000,
      );
    }
  });
}
