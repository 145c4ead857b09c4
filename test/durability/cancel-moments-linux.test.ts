import { describe } from 'vitest';
import { leaksOf } from '../../runtime/drivers/linux/probe';
import { linuxSuite, testNetwork } from '../linux-fixture';
import { CANCEL_MOMENTS, CANCELLING_VERBS, cancelAt, signalledWhileHeld, type MatrixTarget } from './cancel-matrix';

// Cancellations with real containers (Linux driver, root): cancelled at every moment by every cancelling
// verb, the start ends succeeded or cancelled with nothing held: no mount, netns, IP, process or spec
// (cancel-matrix.ts; the leak probe is runtime/drivers/linux/probe.ts).

const suite = linuxSuite('cs-cancel-root', testNetwork('durability/cancel-moments-linux'));
const target = (): MatrixTarget => ({
  w: suite.w,
  dir: suite.rt.root, // hold files go in the state root (runtime/faults.ts)
  host: suite.rt.hostName,
  routed: false,
  held: (id) => leaksOf(suite.rt.root, id),
});

describe('a start cancelled at any moment ends succeeded or cancelled with nothing held (Linux driver)', () => {
  CANCEL_MOMENTS.forEach((moment, m) => {
    CANCELLING_VERBS.forEach((verb, v) => {
      suite.it(`${verb} ${moment.name}`, async () => {
        await cancelAt(target(), moment, verb, `m${m}-v${v}`);
      });
    });
  });
});

describe('a workflow task failed mid-start by a signal (Linux driver)', () => {
  for (const step of ['network', 'process']) {
    suite.it(`during ${step}: the retried task adopts what the failed one did and ends running`, async () => {
      await signalledWhileHeld(target(), step);
    });
  }
});
