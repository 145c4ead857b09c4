import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ContainerError } from '../../common/errors';
import { checkWorkflowInput, type CheckedWorkflow } from '../../common/input-check';
import { WorkflowTypes } from '../../common/names';
import type { HostInfo } from '../../common/settings';
import { verifyHostConfig } from '../../common/settings';
import { parseSignal } from '../../common/signals';
import { defaultHostConfig, type CreateRequest, type HostConfig } from '../../common/types';
import { checkCreateRequest, newContainerRecord } from '../../runtime/create';
import { assertOptions, fuzzParams, show } from './params';
import { checkedTypes, shapeOf } from './workflow-inputs';
import { hostileJson, orHostile } from './arbitraries';

/**
 * Target 2, in process: the workflows' input check (common/input-check.ts) over many more cases than go
 * through Temporal. It accepts or throws InvalidParameter, never anything else, never changes its input; and
 * what it accepts, the pure code behind the workflow takes without a TypeError: create's checks and new
 * record, a legacy start hostConfig's verification, kill's signal parsing — each may refuse only with a typed
 * Docker error.
 */

const HOST: HostInfo = {
  os: 'linux',
  cpus: 2,
  memoryBytes: 8 * 1024 ** 3,
  cgroupMemory: true,
  cgroupCpu: true,
  cgroupPids: true,
};

/** Runs fn; a ContainerError of a 4xx type is a refusal, anything else thrown is the property failing. */
function typedOnly(fn: () => void): 'ok' | 'refused' {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (err instanceof ContainerError && err.status >= 400 && err.status < 500) return 'refused';
    throw err;
  }
}

/** What the workflow behind `type` does first with an accepted input, where it is pure. */
function downstream(type: string, input: Record<string, unknown>): void {
  if (type === WorkflowTypes.create) {
    const req = input.request as CreateRequest;
    const hc = checkCreateRequest(req, HOST);
    expect(JSON.parse(JSON.stringify(newContainerRecord(req, hc, [])))).toBeTruthy();
  } else if (type === WorkflowTypes.start && input.hostConfig !== undefined) {
    verifyHostConfig({ ...defaultHostConfig(), ...(input.hostConfig as Partial<HostConfig>) }, HOST);
  } else if (type === WorkflowTypes.kill && input.signal !== undefined) {
    parseSignal(input.signal as string);
  }
}

describe('fuzz: workflow input check, in process', () => {
  it('accepts or refuses with InvalidParameter; what it accepts, the workflow code takes or refuses typed', () => {
    const params = fuzzParams('workflow input check', 10_000);
    const seen = { refused: 0, accepted: 0, refusedLater: 0 };
    const started = Date.now();
    const input = fc
      .constantFrom(...checkedTypes)
      .chain((type) =>
        fc.tuple(
          fc.constant(type),
          fc.oneof({ weight: 5, arbitrary: orHostile(shapeOf(type)) }, { weight: 1, arbitrary: hostileJson }),
        ),
      );
    fc.assert(
      fc.property(input, ([type, value]) => {
        const before = JSON.stringify(value);
        let accepted = false;
        try {
          checkWorkflowInput(type as CheckedWorkflow, value);
          accepted = true;
        } catch (err) {
          if (!(err instanceof ContainerError) || err.type !== 'InvalidParameter') throw err;
          expect(err.message).toMatch(/^invalid input: /);
        }
        expect(JSON.stringify(value)).toBe(before);
        if (!accepted) return void seen.refused++;
        seen.accepted++;
        if (typedOnly(() => downstream(type, value as Record<string, unknown>)) === 'refused') seen.refusedLater++;
      }),
      assertOptions(params),
    );
    console.log(`[fuzz] workflow input check: ${params.numRuns} cases in ${Date.now() - started} ms: ${show(seen)}`);
    expect(seen.refused).toBeGreaterThan(0);
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refusedLater).toBeGreaterThan(0);
  });
});
