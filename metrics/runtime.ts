import { Runtime, type Logger } from '@temporalio/worker';
import type { MetricsAddress } from '../config';
import { HISTOGRAM_BUCKETS_MS } from './names';

/**
 * Installs the SDK's Runtime with its Prometheus exporter on `address` (once per process, before any
 * NativeConnection: the worker and the API server call it only when CONTAINER_SAGA_METRICS is set, and
 * otherwise keep the SDK's default Runtime). The SDK's own metrics (`temporal_*`, durations in ms) and the
 * project's (`container_saga_*`, metrics/names.ts) are served together on `http://<address>/metrics`.
 */
export function installMetricsRuntime(address: MetricsAddress, logger?: Logger): Runtime {
  try {
    return Runtime.install({
      ...(logger ? { logger } : {}),
      telemetryOptions: {
        metrics: {
          prometheus: { bindAddress: address.bindAddress, histogramBucketOverrides: { ...HISTOGRAM_BUCKETS_MS } },
        },
      },
    });
  } catch (err) {
    // e.g. "Failed to start prometheus metrics exporter: Address already in use": say which setting it was
    throw new Error(
      `CONTAINER_SAGA_METRICS=${address.bindAddress}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}
