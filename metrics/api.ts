import type { MetricMeter } from '@temporalio/common';
import type { RequestObserver } from '../api/server';
import { MetricNames } from './names';

/**
 * The Engine API's request metrics, recorded on the SDK Runtime's meter: requests by route template, method
 * and status, and their latency (a stream — logs -f, events, attach, wait — counts until it closed).
 */
export function apiRequestMetrics(meter: MetricMeter): RequestObserver {
  const requests = meter.createCounter(
    MetricNames.apiRequests,
    undefined,
    'Engine API requests answered, by route, method and status',
  );
  const latency = meter.createHistogram(
    MetricNames.apiLatency,
    'float',
    'ms',
    'Engine API request time until its answer ended, by route and method',
  );
  return ({ route, method, status, ms }) => {
    requests.add(1, { route, method, status: String(status) });
    latency.record(ms, { route, method });
  };
}
