import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { LocalActivityOptions } from '@temporalio/workflow';

/**
 * A local activity of the start saga runs on the worker that holds the workflow task, which is the container's
 * host's when the task began there. A worker of another host may take the task over (the owner's worker died
 * mid-task) and must then refuse the step rather than touch a store that is not the container's. The host a
 * step is pinned to travels in this header: set by the workflow's outbound interceptor
 * (workflows/interceptors.ts) from the options, checked by the activity's inbound one (activities/host-pin.ts).
 */
export const HOST_PIN_HEADER = 'container-saga-host';

/** Local activity options whose activities run only on `pinnedHost`. */
export interface PinnedLocalActivityOptions extends LocalActivityOptions {
  readonly pinnedHost: string;
}

export function pinHeader(host: string): Payload {
  return defaultPayloadConverter.toPayload(host);
}

/** The host a step's headers pin it to, if any. */
export function pinnedHostOf(headers: Record<string, Payload | undefined>): string | undefined {
  const payload = headers[HOST_PIN_HEADER];
  return payload === undefined ? undefined : defaultPayloadConverter.fromPayload<string>(payload);
}
