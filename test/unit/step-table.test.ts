/**
 * The step table (common/steps.ts) is the one list every layer reads: these tests hold the layers to it —
 * teardown's order, the generated activities, the fault points' reach and the runtime's step registry.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import {
  HOST_STEPS,
  RELEASE_ORDER,
  releasedFirst,
  stepOfRelease,
  stepsOfPhase,
  type FaultPoint,
} from '../../common/steps';
import type { StepHooks } from '../../runtime/step-hooks';
import type { SimulatedRuntime } from '../../runtime/simulated-runtime';
import { simulatedRuntime } from '../runtimes';
import { STEPS } from '../../runtime/steps';
import { tempDirEach } from './helpers';

const dir = tempDirEach('steps');
let rt: SimulatedRuntime;
/** every point the runtime ran, in order, as hooks see them */
let seen: FaultPoint[];

beforeEach(async () => {
  seen = [];
  const recorder: StepHooks = {
    around: (point, _id, _ctx, call) => {
      seen.push(point);
      return call();
    },
  };
  rt = simulatedRuntime(dir.path, { hooks: recorder });
});

describe('the table', () => {
  it('lists each step once, releases in reverse acquire order', () => {
    const names = HOST_STEPS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    const releases = HOST_STEPS.flatMap((s) => ('release' in s ? [s.release] : []));
    expect(RELEASE_ORDER).toEqual([...releases].reverse());
    for (const r of RELEASE_ORDER) expect(RELEASE_ORDER.indexOf(r)).toBe(releases.length - 1 - releases.indexOf(r));
  });

  it("compensates at once after one release, the process's, the first in teardown order", () => {
    expect(RELEASE_ORDER.filter(releasedFirst)).toEqual(['unregister-process']);
    expect(RELEASE_ORDER[0]).toBe('unregister-process');
  });

  it('puts every phase after the one it depends on: prepare, then configure, then run', () => {
    const order = HOST_STEPS.map((s) => s.phase);
    expect(order).toEqual(
      [...stepsOfPhase('prepare'), ...stepsOfPhase('configure'), ...stepsOfPhase('run')].map((s) => s.phase),
    );
  });

  it('has an acquire for every step and a release for every compensation in the runtime', () => {
    for (const s of STEPS) {
      expect(typeof s.acquire).toBe('function');
      expect(typeof (s as { release?: unknown }).release).toBe('release' in s ? 'function' : 'undefined');
    }
  });
});

describe("teardown (stop, rm, gc) releases in the table's reverse order", () => {
  it('releaseAll runs every release once, in RELEASE_ORDER, through the hooks', async () => {
    const c = await rt.create({ image: 'busybox', cmd: ['true'] });
    expect(await rt.releaseAll(c.Id)).toEqual([]);
    expect(seen).toEqual(RELEASE_ORDER);
  });

  it('rm -f of a started container releases in the same order', async () => {
    const c = await rt.create({ image: 'busybox', cmd: ['sleep', '1'], hostConfig: { Binds: ['vol:/v'] } });
    for (const s of HOST_STEPS) {
      await (s.name === 'spec'
        ? rt.acquire('spec', { id: c.Id, env: [], extraHosts: [] })
        : rt.acquire(s.name, { id: c.Id } as never));
    }
    await rt.markRunning(c.Id, 1);
    seen = [];
    await rt.remove(c.Id, true);
    expect(seen).toEqual(RELEASE_ORDER);
    expect(await rt.heldResources()).toEqual([]);
  });
});

describe('the activities are generated from the table', () => {
  const activities = createActivities(simulatedRuntime('/nonexistent')) as unknown as Record<string, unknown>;

  it.each(HOST_STEPS.map((s) => [s.activity, s] as const))('%s acquires its step', async (name, step) => {
    expect(typeof activities[name]).toBe('function');
    const c = await rt.create({ image: 'busybox', cmd: ['true'], workingDir: '/w' });
    const own = createActivities(rt) as unknown as Record<string, (input: unknown) => Promise<unknown>>;
    // earlier steps first, so this one has what it needs (the spec takes its environment)
    for (const s of HOST_STEPS.slice(0, HOST_STEPS.indexOf(step) + 1)) {
      await new MockActivityEnvironment().run(
        own[s.activity]!,
        s.name === 'spec' ? { id: c.Id, env: [], extraHosts: [] } : { id: c.Id },
      );
    }
    expect(seen.at(-1)).toBe(step.name);
  });

  it.each(RELEASE_ORDER.map((r) => [stepOfRelease(r).releaseActivity, r] as const))(
    '%s releases %s',
    async (name, release) => {
      const own = createActivities(rt) as unknown as Record<string, (input: unknown) => Promise<unknown>>;
      await new MockActivityEnvironment().run(own[name]!, { id: 'f'.repeat(64) });
      expect(seen).toEqual([release]);
    },
  );
});
