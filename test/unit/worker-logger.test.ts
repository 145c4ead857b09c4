import { describe, expect, it, vi } from 'vitest';
import { NO_WORKFLOWS_NOTICE, WorkerLogger } from '../../worker/logger';

// The worker process's log: the SDK's, less the warning that its host queue's worker (activities only, by
// design) registers no workflows. What it prints is the DefaultLogger's stderr line; spied on here.
describe('WorkerLogger', () => {
  const lines = (fn: (l: WorkerLogger) => void) => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      fn(new WorkerLogger('q@a'));
      return stderr.mock.calls.map((c) => String(c[0]));
    } finally {
      stderr.mockRestore();
    }
  };

  it("drops the SDK's no-workflows warning of the host queue's worker only", () => {
    expect(lines((l) => l.warn(NO_WORKFLOWS_NOTICE, { sdkComponent: 'worker', taskQueue: 'q@a' }))).toEqual([]);
    // the same notice for another queue (a shared-queue worker without workflows would be a real fault)
    expect(lines((l) => l.warn(NO_WORKFLOWS_NOTICE, { sdkComponent: 'worker', taskQueue: 'q' })).join('\n')).toContain(
      NO_WORKFLOWS_NOTICE,
    );
    // anything else from the host queue's worker
    expect(lines((l) => l.warn('Activity failed', { taskQueue: 'q@a' })).join('\n')).toContain('Activity failed');
  });

  it('keeps the default level: INFO and up', () => {
    expect(lines((l) => l.info('Worker state changed', { taskQueue: 'q@a' })).join('\n')).toContain(
      'Worker state changed',
    );
    expect(lines((l) => l.debug('polling', { taskQueue: 'q@a' }))).toEqual([]);
  });
});
