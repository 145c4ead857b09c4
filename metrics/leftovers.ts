import type { MetricGauge } from '@temporalio/common';
import type { HostRuntime } from '../runtime/host-runtime';

/**
 * The `container_saga_leftovers_pending` gauge: resources recorded as leftovers on the containers of this
 * state root (a compensation or release that failed for good), waiting for `gc`. The SDK's exporter has no
 * gauge read at scrape time, so it is counted again after each activity that may change it (and at start-up);
 * refreshes never overlap, and one asked for during a count runs after it.
 */
export class LeftoversGauge {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly runtime: HostRuntime,
    private readonly gauge: MetricGauge,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Counts the leftovers again; during a count, asks for one more after it (resolves with the current one). */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.count().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.running;
  }

  private async count(): Promise<void> {
    try {
      const records = await this.runtime.store.list();
      this.gauge.set(records.reduce((n, r) => n + (r.Leftovers?.length ?? 0), 0));
    } catch (err) {
      this.onError(err);
    }
  }
}
