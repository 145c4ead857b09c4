import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { assertOptions, CI_MIN_RUNS, failureLines, fuzzParams, sampleCases } from './params';

/** The replay contract of docs/testing.md: what a failure prints is enough to run its counterexample again. */

const saved = { ...process.env };
afterEach(() => {
  for (const k of ['CI', 'FUZZ_SEED', 'FUZZ_RUNS', 'FUZZ_PATH', 'FUZZ_CASE']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

const failsAbove = (limit: number) => fc.property(fc.integer({ min: 0, max: 10_000 }), (n) => n <= limit);

describe('fuzz parameters', () => {
  it('a fc.assert failure prints its seed and path; FUZZ_SEED and FUZZ_PATH replay just that counterexample', () => {
    process.env.FUZZ_SEED = '12345';
    delete process.env.FUZZ_PATH;
    let message = '';
    try {
      fc.assert(failsAbove(100), assertOptions(fuzzParams('replay', 1000)));
    } catch (err) {
      message = (err as Error).message;
    }
    const m = /\{ seed: (-?\d+), path: "([\d:]+)"/.exec(message);
    expect(m, message).not.toBeNull();
    expect(m![1]).toBe('12345');
    process.env.FUZZ_PATH = m![2];
    const again = fc.check(failsAbove(100), assertOptions(fuzzParams('replay', 1000)));
    expect(again.failed).toBe(true);
    expect(again.numRuns).toBe(1);
    expect(message).toContain(`Counterexample: [${JSON.stringify((again.counterexample as [number])[0])}]`);
  });

  it('a sampled case replays alone with FUZZ_SEED and FUZZ_CASE, as its failure line says', () => {
    process.env.FUZZ_SEED = '777';
    const arb = fc.string();
    const all = sampleCases(arb, fuzzParams('sampled', 1000));
    const [line] = failureLines(
      [{ index: 417, input: all[417]!, error: new Error('no') }],
      fuzzParams('sampled', 1000),
    );
    expect(line).toContain('FUZZ_SEED=777 FUZZ_RUNS=1000 FUZZ_CASE=417');
    process.env.FUZZ_CASE = '417';
    expect(sampleCases(arb, fuzzParams('sampled', 1000))).toEqual([all[417]]);
  });

  it(`CI runs at least ${CI_MIN_RUNS} cases a target, whatever FUZZ_RUNS says; a spot check is exempt`, () => {
    process.env.CI = 'true';
    process.env.FUZZ_RUNS = '10';
    expect(fuzzParams('t', 50).numRuns).toBe(CI_MIN_RUNS);
    expect(fuzzParams('t', 8, 'another target').numRuns).toBe(10);
    delete process.env.CI;
    expect(fuzzParams('t', 50).numRuns).toBe(10);
  });
});
