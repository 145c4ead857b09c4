import { DefaultLogger, type LogLevel, type LogMetadata } from '@temporalio/worker';

/** What the SDK warns when a worker has no workflows: the host queue's worker has none by design. */
export const NO_WORKFLOWS_NOTICE = 'No workflows registered, not polling for workflow tasks';

/**
 * The SDK's default log (INFO and up, to the console), less its warning that the host queue's worker
 * registers no workflows: that worker runs only the host's activities (worker/host-worker.ts), so the warning
 * at every start-up would only teach operators to ignore warnings. The same notice for any other queue is kept.
 */
export class WorkerLogger extends DefaultLogger {
  constructor(
    private readonly hostQueue: string,
    level: LogLevel = 'INFO',
  ) {
    super(level);
  }

  override log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (message === NO_WORKFLOWS_NOTICE && meta?.taskQueue === this.hostQueue) return;
    super.log(level, message, meta);
  }
}
