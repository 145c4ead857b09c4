import type { Driver } from './driver';
import type { Records } from './records';
import type { StateStore } from './store';

/**
 * What the lifecycle helpers (teardown, pause, exec, monitor, wait, logs) work with: one host's records and
 * the driver under them. Each helper asks for this and for the few runtime calls it makes (by their names
 * in runtime/contract.ts), never for the runtime itself.
 */
export interface HostParts {
  readonly store: StateStore;
  readonly records: Records;
  readonly driver: Driver;
}
