import { Runtime, type ActivityInterceptorsFactory } from '@temporalio/worker';
import type { HostRuntime } from '../runtime/host-runtime';
import { metricsActivityInterceptor } from './activity-interceptor';
import { LeftoversGauge } from './leftovers';
import { MetricNames } from './names';

/**
 * The worker's part of the metrics, for Worker.create: the activity interceptors (per-step latency and
 * failures) and the leftovers gauge, counted once now and after each activity that may change it. Only for a
 * process whose Runtime exports metrics (metrics/runtime.ts); the workflow side records through the SDK's
 * sink either way (a no-op meter without an exporter).
 */
export function workerMetrics(runtime: HostRuntime): ActivityInterceptorsFactory[] {
  const sdk = Runtime.instance();
  const gauge = sdk.metricMeter.createGauge(
    MetricNames.leftoversPending,
    'int',
    undefined,
    'resources recorded as leftovers, waiting for gc',
  );
  // a state root that cannot be read leaves the gauge at its last value: say so in the worker's log
  const onError = (err: unknown) =>
    sdk.logger.warn(`${MetricNames.leftoversPending}: could not count the leftovers`, { error: err });
  const leftovers = new LeftoversGauge(runtime, gauge, onError);
  void leftovers.refresh();
  return [metricsActivityInterceptor(() => void leftovers.refresh())];
}
