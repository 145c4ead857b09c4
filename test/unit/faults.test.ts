/**
 * runtime/faults.ts: parsing fault plans, and the points the table offers (the hooks are exercised by the saga tests).
 */
import { describe, expect, it } from 'vitest';
import { FAULT_POINTS, type FaultPoint } from '../../common/steps';
import { parseFaultPlan, type FaultMode } from '../../runtime/faults';
import { expectError, thrown } from './helpers';

/**
 * The points docs/workflow-contract.md documents (a contract of users' fault plans): the table must offer exactly
 * these.
 */
const POINTS: FaultPoint[] = [
  'mount-rootfs',
  'network',
  'working-dir',
  'spec',
  'ipc',
  'volumes',
  'process',
  'unmount-rootfs',
  'release-network',
  'remove-spec',
  'unmount-ipc',
  'unmount-volumes',
  'unregister-process',
  'mark-running',
];

describe('fault points', () => {
  it('are the acquires and releases of the step table and mark-running, as documented', () => {
    expect([...FAULT_POINTS].sort()).toEqual([...POINTS].sort());
  });
});

describe('parseFaultPlan: valid plans', () => {
  it.each<[string | undefined, Array<[string, FaultMode]>]>([
    [undefined, []],
    ['', []],
    [' , ,', []],
    ['network=fail', [['network', { kind: 'fail' }]]],
    ['spec=fail-after', [['spec', { kind: 'fail-after' }]]],
    ['process=transient', [['process', { kind: 'transient', times: 1 }]]],
    ['ipc=transient:3', [['ipc', { kind: 'transient', times: 3 }]]],
    ['volumes=transient-after:2', [['volumes', { kind: 'transient-after', times: 2 }]]],
    ['release-network=transient-after', [['release-network', { kind: 'transient-after', times: 1 }]]],
    ['mount-rootfs=hold:/tmp/go', [['mount-rootfs', { kind: 'hold', file: '/tmp/go' }]]],
    ['unmount-rootfs=hold-after:/tmp/a:b', [['unmount-rootfs', { kind: 'hold-after', file: '/tmp/a:b' }]]],
    [
      ' network=fail , spec=transient:2 ,',
      [
        ['network', { kind: 'fail' }],
        ['spec', { kind: 'transient', times: 2 }],
      ],
    ],
    ['network=fail,network=transient:4', [['network', { kind: 'transient', times: 4 }]]],
  ])('%j', (text, want) => {
    expect([...parseFaultPlan(text)]).toEqual(want);
  });

  it.each(POINTS)('point %s is known', (point) => {
    expect(parseFaultPlan(`${point}=fail`).get(point)).toEqual({ kind: 'fail' });
  });
});

describe('parseFaultPlan: a bad entry is InvalidParameter naming it', () => {
  it.each<[string, string]>([
    ['network', 'network'],
    ['=fail', '=fail'],
    ['bogus=fail', 'bogus=fail'],
    ['Network=fail', 'Network=fail'],
    ['network=', 'network='],
    ['network=explode', 'network=explode'],
    ['network=transient:0', 'network=transient:0'],
    ['network=transient:-1', 'network=transient:-1'],
    ['network=transient:1.5', 'network=transient:1.5'],
    ['network=transient:x', 'network=transient:x'],
    ['spec=transient-after:0', 'spec=transient-after:0'],
    ['network=hold', 'network=hold'],
    ['network=hold:', 'network=hold:'],
    ['network=hold-after', 'network=hold-after'],
    ['spec=fail, bogus=fail', 'bogus=fail'],
  ])('%j', (text, entry) => {
    expectError(
      thrown(() => parseFaultPlan(text)),
      { type: 'InvalidParameter', message: `invalid fault plan entry "${entry}" (see runtime/faults.ts)` },
    );
  });
});
