import { SearchAttributeNames as A, WorkflowTypes } from '../common/names';
import { MonitoredState } from '../common/search-attributes';

/**
 * The visibility queries an operator needs (docs/web-ui.md), for the Web UI's
 * search box, `temporal workflow list --query`, or `client.workflow.list({ query })`. A value is quoted as a
 * Temporal list-filter string.
 */

const quoted = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export const OperatorQueries = {
  /** every workflow that changed one container: create, starts, restarts, stop, rm, kill, exec, its monitor… */
  container: (name: string) => `${A.containerName} = ${quoted(name)}`,
  /** a container's starts (its restarts by policy included) */
  starts: (name: string) => `WorkflowType = '${WorkflowTypes.start}' AND ${A.containerName} = ${quoted(name)}`,
  /** every failed start: a start that compensated ends Failed, with Docker's error (a cancelled one ends Canceled) */
  failedStarts: () => `WorkflowType = '${WorkflowTypes.start}' AND ExecutionStatus = 'Failed'`,
  /** starts that failed at one step (a step name of the saga: `network`, `process`, `volumes`…) */
  failedAt: (step: string) => `WorkflowType = '${WorkflowTypes.start}' AND ${A.failedStep} = ${quoted(step)}`,
  /** starts that failed with one Docker error type (`CommandNotFound`, `InjectedFault`…) */
  failedWith: (errorType: string) =>
    `WorkflowType = '${WorkflowTypes.start}' AND ${A.errorType} = ${quoted(errorType)}`,
  /** containers that are restarting now: their monitor is between an exit and the next run */
  restarting: () =>
    `WorkflowType = '${WorkflowTypes.monitor}' AND ExecutionStatus = 'Running' AND ${A.containerState} = '${MonitoredState.restarting}'`,
} as const;
