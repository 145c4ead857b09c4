/**
 * The project's Prometheus metrics: names, units, label values and histogram buckets, in one table that the
 * workflow side (metrics/workflow.ts), the worker side (activity interceptor, leftovers gauge), the API server
 * and docs/metrics.md read. Workflow-safe: plain data only.
 *
 * Every metric goes through the Temporal SDK's meter, so it appears on the SDK's own Prometheus endpoint
 * beside `temporal_*` (CONTAINER_SAGA_METRICS). Names follow Prometheus: the `container_saga_` prefix, the
 * unit in the name, counters ending `_total`. Labels are low-cardinality: step names of the table, Docker
 * error types, outcomes, policies, route templates; never a container ID or name. The SDK adds its own tags
 * (`namespace`, `taskQueue`, and `workflowType` or `activityType`) to what workflows and activities record.
 */

export const MetricNames = {
  /** counter {outcome}: start sagas that ended, by StartOutcome */
  starts: 'container_saga_starts_total',
  /** counter {step, error_type}: failed starts (not cancelled ones), by the step that failed and Docker's error type */
  startFailures: 'container_saga_start_failures_total',
  /** histogram {outcome}: from the saga's start to its end, in ms */
  startLatency: 'container_saga_start_latency_milliseconds',
  /**
   * counter {step, result}: compensations the saga ran, by release and final result (`failed`: retries spent, a
   * leftover)
   */
  compensations: 'container_saga_compensations_total',
  /**
   * counter {policy}: restarts the container monitor ran (its start saga began, after the backoff), by restart policy
   */
  restarts: 'container_saga_restarts_total',
  /** histogram {step, kind}: each attempt of a start saga's activity (acquire, release, record step), in ms */
  stepLatency: 'container_saga_step_latency_milliseconds',
  /** counter {step, kind, error_type}: failed attempts of a start saga's activities (retried ones included) */
  stepFailures: 'container_saga_step_failures_total',
  /** gauge: resources recorded as leftovers on containers, waiting for `gc` */
  leftoversPending: 'container_saga_leftovers_pending',
  /** counter {route, method, status}: Engine API requests answered */
  apiRequests: 'container_saga_api_requests_total',
  /** histogram {route, method}: Engine API request time until the answer ended (streams: until they closed), in ms */
  apiLatency: 'container_saga_api_request_latency_milliseconds',
} as const;

/** How a start saga ended. */
export const StartOutcome = {
  /** the container runs (and a legacy run's `already-running`) */
  started: 'started',
  /** an error before any host step: nothing to undo (lookup, checks, claim) */
  failed: 'failed',
  /** cancelled, compensated or not */
  cancelled: 'cancelled',
  /** an error after host steps began: the compensations ran (those that failed for good are leftovers) */
  compensated: 'compensated',
} as const;
export type StartOutcome = (typeof StartOutcome)[keyof typeof StartOutcome];

/** What a start saga's activity is: a host step's acquire, its release (a compensation), or a record step. */
export type StepKind = 'acquire' | 'release' | 'record';

/**
 * Histogram buckets (ms), handed to the SDK's exporter: its default (50, 100, 500, 1000, 2500, 10000) is too
 * coarse for steps of a few ms and starts of ~200 ms.
 */
export const HISTOGRAM_BUCKETS_MS: Readonly<Record<string, number[]>> = {
  [MetricNames.startLatency]: [25, 50, 100, 150, 200, 300, 500, 750, 1000, 2500, 5000, 10000, 30000, 60000],
  [MetricNames.stepLatency]: [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000],
  [MetricNames.apiLatency]: [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000],
};
