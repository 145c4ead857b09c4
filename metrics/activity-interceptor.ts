import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Activities } from '../activities';
import { MetricNames } from './names';
import { sagaStepOf } from './saga-activities';

/**
 * Activities after which the leftovers on record may have changed: the saga's failure path, the monitor's
 * Cleanup, stop, rm and gc (each records what it could not release, or clears it).
 */
const LEFTOVER_WRITERS = new Set<keyof Activities>([
  'finishFailed',
  'handleRunExit',
  'autoRemove',
  'stopContainer',
  'removeContainer',
  'collectGarbage',
]);

/** Docker's error type of a failed attempt (the ApplicationFailure's type), else the error's class name. */
export function errorTypeOf(err: unknown): string {
  if (err instanceof ApplicationFailure && err.type) return err.type;
  return err instanceof Error ? err.name : 'Error';
}

/**
 * The worker's activity interceptor for metrics: every attempt of a start saga's activity is timed by step
 * (`container_saga_step_latency_milliseconds`) and a failed one counted by step and error type
 * (`container_saga_step_failures_total`), through the activity's own meter, so the SDK's tags come along.
 * `onLeftoversChanged` runs after the activities that write leftovers (the gauge's refresh).
 */
export function metricsActivityInterceptor(onLeftoversChanged: () => void): ActivityInterceptorsFactory {
  return (ctx: Context) => ({
    inbound: {
      async execute(input, next) {
        const { activityType, workflowType } = ctx.info;
        const step = sagaStepOf(workflowType, activityType);
        const began = performance.now();
        try {
          return await next(input);
        } catch (err) {
          if (step) {
            ctx.metricMeter
              .createCounter(
                MetricNames.stepFailures,
                undefined,
                'failed attempts of start saga activities, by step and error type',
              )
              .add(1, { ...step, error_type: errorTypeOf(err) });
          }
          throw err;
        } finally {
          if (step) {
            ctx.metricMeter
              .createHistogram(MetricNames.stepLatency, 'float', 'ms', 'each attempt of a start saga activity, by step')
              .record(performance.now() - began, step);
          }
          if (LEFTOVER_WRITERS.has(activityType as keyof Activities)) onLeftoversChanged();
        }
      },
    },
  });
}
