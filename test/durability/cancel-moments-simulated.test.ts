import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { SimulatedRuntime } from '../../runtime/simulated/driver';
import { startTestWorker, type TestWorker } from '../harness';
import { CANCEL_MOMENTS, CANCELLING_VERBS, cancelAt, signalledWhileHeld, type MatrixTarget } from './cancel-matrix';

// Issue 23's matrix on the simulated driver: cancelled at every moment by every cancelling verb, the start
// ends succeeded or cancelled with nothing held (cancel-matrix.ts).

let dir: string;
let sim: SimulatedRuntime;
let w: TestWorker;
const target = (): MatrixTarget => ({
  w,
  dir,
  held: async (id) => (await sim.heldResources()).filter((h) => h.containerId === id).map((h) => `${h.kind} ${h.detail}`),
});

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-cancel-sim-'));
  sim = new SimulatedRuntime(path.join(dir, 'root'));
  w = await startTestWorker(inject('temporalAddress'), sim);
});

afterAll(async () => {
  await w?.shutdown();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('a start cancelled at any moment ends succeeded or cancelled with nothing held (simulated driver)', () => {
  CANCEL_MOMENTS.forEach((moment, m) => {
    CANCELLING_VERBS.forEach((verb, v) => {
      it(`${verb} ${moment.name}`, async () => {
        await cancelAt(target(), moment, verb, `m${m}-v${v}`);
      });
    });
  });
});

describe('a workflow task failed mid-start by a signal (simulated driver)', () => {
  for (const step of ['network', 'process']) {
    it(`during ${step}: the retried task adopts what the failed one did and ends running`, async () => {
      await signalledWhileHeld(target(), step);
    });
  }
});
