import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { isRefused, PAYLOAD_REFUSED, REFUSED_PAYLOAD, unwrapRetired } from '../common/refused-payload';

/**
 * Refuses, non-retryable, an activity whose arguments the worker's codec refused (plaintext, an unknown key, a
 * binding to another workflow), before the step runs. An argument under a key retired after the activity was
 * scheduled (the server's time) is the workflow's own, from before the retirement: it is used, so a step
 * retried or a monitor resumed after a rotation goes on. One scheduled later is refused.
 */
export const refusedPayloadInterceptor: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      const scheduled = ctx.info.scheduledTimestampMs;
      const args = input.args.map((arg) => {
        if (!isRefused(arg)) return arg;
        if (arg.retired && scheduled < Date.parse(arg.retired.at)) return unwrapRetired(arg);
        throw ApplicationFailure.nonRetryable(arg[REFUSED_PAYLOAD], PAYLOAD_REFUSED);
      });
      return next({ ...input, args });
    },
  },
});
