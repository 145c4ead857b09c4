import {
  ApplicationFailure,
  log,
  workflowInfo,
  type Next,
  type WorkflowInboundCallsInterceptor,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { isRefused, PAYLOAD_REFUSED, REFUSED_PAYLOAD, unwrapRetired } from '../common/refused-payload';

/**
 * Where the worker's codec (codec/aes-gcm-codec.ts, worker mode) refused a payload, it left a sentinel
 * (common/refused-payload.ts): the workflow fails at its first task with PayloadRefused before its function
 * runs (nothing is created), a signal is dropped, an update or query is rejected, an activity's or child's
 * result fails the workflow. A payload under a retired key is used on replay only (the history was made when
 * the key was active); new work must come under an active key.
 */

/** The value, or its retired key's original on replay; else a non-retryable PayloadRefused naming why. */
function accept(v: unknown): unknown {
  if (!isRefused(v)) return v;
  if (v.retired && workflowInfo().unsafe.isReplaying) return unwrapRetired(v);
  throw ApplicationFailure.nonRetryable(v[REFUSED_PAYLOAD], PAYLOAD_REFUSED);
}

const acceptAll = (args: unknown[]) => args.map(accept);

export class PayloadGuardInbound implements WorkflowInboundCallsInterceptor {
  async execute(
    input: Parameters<NonNullable<WorkflowInboundCallsInterceptor['execute']>>[0],
    next: Next<WorkflowInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    return next({ ...input, args: acceptAll(input.args) });
  }

  // A plaintext signal must not fail a monitor: it is dropped, with a warning naming why.
  async handleSignal(
    input: Parameters<NonNullable<WorkflowInboundCallsInterceptor['handleSignal']>>[0],
    next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>,
  ): Promise<void> {
    let args: unknown[];
    try {
      args = acceptAll(input.args);
    } catch (err) {
      log.warn(`signal ${input.signalName} dropped: ${(err as Error).message}`);
      return;
    }
    return next({ ...input, args });
  }

  validateUpdate(
    input: Parameters<NonNullable<WorkflowInboundCallsInterceptor['validateUpdate']>>[0],
    next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>,
  ): void {
    next({ ...input, args: acceptAll(input.args) });
  }

  async handleUpdate(
    input: Parameters<NonNullable<WorkflowInboundCallsInterceptor['handleUpdate']>>[0],
    next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>,
  ): Promise<unknown> {
    return next({ ...input, args: acceptAll(input.args) });
  }

  async handleQuery(
    input: Parameters<NonNullable<WorkflowInboundCallsInterceptor['handleQuery']>>[0],
    next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>,
  ): Promise<unknown> {
    return next({ ...input, args: acceptAll(input.args) });
  }
}

/** Results coming back into the workflow: activities', local activities' and children's. */
export class PayloadGuardOutbound implements WorkflowOutboundCallsInterceptor {
  scheduleActivity: NonNullable<WorkflowOutboundCallsInterceptor['scheduleActivity']> = async (input, next) =>
    accept(await next(input));

  scheduleLocalActivity: NonNullable<WorkflowOutboundCallsInterceptor['scheduleLocalActivity']> = async (input, next) =>
    accept(await next(input));

  startChildWorkflowExecution: NonNullable<WorkflowOutboundCallsInterceptor['startChildWorkflowExecution']> = async (
    input,
    next,
  ) => {
    const [started, completed] = await next(input);
    return [started, completed.then(accept)];
  };
}
