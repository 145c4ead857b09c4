import type { WorkflowInterceptors, WorkflowOutboundCallsInterceptor } from '@temporalio/workflow';
import { pinHeader, HOST_PIN_HEADER, type PinnedLocalActivityOptions } from '../common/host-pin';
import { PayloadGuardInbound, PayloadGuardOutbound } from './payload-guard';

/** Sends the host a local activity is pinned to (its options' `pinnedHost`) in its headers (common/host-pin.ts). */
export class HostPinOutbound implements WorkflowOutboundCallsInterceptor {
  scheduleLocalActivity: NonNullable<WorkflowOutboundCallsInterceptor['scheduleLocalActivity']> = (input, next) => {
    const host = (input.options as Partial<PinnedLocalActivityOptions>).pinnedHost;
    if (host === undefined) return next(input);
    return next({ ...input, headers: { ...input.headers, [HOST_PIN_HEADER]: pinHeader(host) } });
  };
}

/** The workflow interceptors the worker bundles with every workflow (worker/create.ts WORKFLOW_BUNDLE). */
export const interceptors = (): WorkflowInterceptors => ({
  inbound: [new PayloadGuardInbound()],
  outbound: [new PayloadGuardOutbound(), new HostPinOutbound()],
});
