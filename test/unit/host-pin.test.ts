import { ApplicationFailure } from '@temporalio/common';
import type { Context } from '@temporalio/activity';
import type { ActivityExecuteInput } from '@temporalio/worker';
import type { LocalActivityInput } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { hostPinInterceptor } from '../../activities/host-pin';
import { HOST_PIN_HEADER, pinHeader, pinnedHostOf } from '../../common/host-pin';
import { HostPinOutbound } from '../../workflows/interceptors';

// A start's local steps are pinned to the owner's host by a header (common/host-pin.ts): the workflow's outbound
// interceptor sets it from the options, a worker of another host refuses the step.

describe('host pinning in headers', () => {
  const schedule = (options: object) => {
    let sent: LocalActivityInput | undefined;
    const input = {
      activityType: 'claimHere',
      args: [{ container: 'web' }],
      headers: {},
      options,
      seq: 1,
      attempt: 1,
    } as unknown as LocalActivityInput;
    void new HostPinOutbound().scheduleLocalActivity(input, async (i) => {
      sent = i;
    });
    return sent!;
  };

  it("the workflow side sends the options' pinnedHost as a header, the input unchanged; nothing for an unpinned step", () => {
    const pinned = schedule({ startToCloseTimeout: '10s', pinnedHost: 'a' });
    expect(pinnedHostOf(pinned.headers)).toBe('a');
    expect(pinned.args).toEqual([{ container: 'web' }]);
    expect(schedule({ startToCloseTimeout: '10s' }).headers).toEqual({});
  });

  const run = async (host: string, headers: Record<string, unknown>) => {
    const ran: unknown[] = [];
    const inbound = hostPinInterceptor(host)({} as Context).inbound!;
    const input = { args: [{ id: 'x' }], headers } as unknown as ActivityExecuteInput;
    const result = await inbound.execute!(input, async (i) => ran.push(i.args)).then(
      () => undefined,
      (e: unknown) => e,
    );
    return { ran, result };
  };

  it("the activity side runs a step pinned to its own host or to none, and refuses another host's, non-retryable HostUnavailable", async () => {
    expect((await run('a', { [HOST_PIN_HEADER]: pinHeader('a') })).ran).toEqual([[{ id: 'x' }]]);
    expect((await run('a', {})).ran).toEqual([[{ id: 'x' }]]);
    const refused = await run('b', { [HOST_PIN_HEADER]: pinHeader('a') });
    expect(refused.ran).toEqual([]);
    expect(refused.result).toBeInstanceOf(ApplicationFailure);
    expect(refused.result).toMatchObject({
      type: 'HostUnavailable',
      nonRetryable: true,
      message: "host a is unavailable: its step reached a worker of host b (the owner's worker left mid-task)",
    });
  });
});
