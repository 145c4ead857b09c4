/** config/worker-tuning.ts: slots, pollers and the shutdown grace from CONTAINER_SAGA_* variables. */
import { describe, expect, it } from 'vitest';
import { ConfigError, getConfig } from '../../config';
import { describeWorkerTuning, parseShutdownGrace, type WorkerTuning } from '../../config/worker-tuning';

const tuning = (env: Record<string, string>) => getConfig(env).workerTuning;

describe('worker tuning', () => {
  it('nothing set: no option at all, so Worker.create keeps the SDK defaults', () => {
    expect(tuning({})).toEqual({});
    expect(describeWorkerTuning({})).toBe(
      'slots: default activities, default local activities, default workflow tasks; pollers: default activity, default workflow',
    );
  });

  it.each<[Record<string, string>, WorkerTuning]>([
    [{ CONTAINER_SAGA_MAX_ACTIVITIES: '20' }, { maxConcurrentActivityTaskExecutions: 20 }],
    [{ CONTAINER_SAGA_MAX_LOCAL_ACTIVITIES: '50' }, { maxConcurrentLocalActivityExecutions: 50 }],
    [{ CONTAINER_SAGA_MAX_WORKFLOW_TASKS: '2' }, { maxConcurrentWorkflowTaskExecutions: 2 }],
    [{ CONTAINER_SAGA_ACTIVITY_POLLERS: '1' }, { activityTaskPollerBehavior: { type: 'simple-maximum', maximum: 1 } }],
    [
      { CONTAINER_SAGA_ACTIVITY_POLLERS: '100' },
      { activityTaskPollerBehavior: { type: 'simple-maximum', maximum: 100 } },
    ],
    [
      { CONTAINER_SAGA_MAX_WORKFLOW_TASKS: '8', CONTAINER_SAGA_WORKFLOW_POLLERS: '8' },
      { maxConcurrentWorkflowTaskExecutions: 8, workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: 8 } },
    ],
    [
      { CONTAINER_SAGA_ACTIVITY_POLLERS: 'auto' },
      { activityTaskPollerBehavior: { type: 'autoscaling', minimum: 1, initial: 5, maximum: 100 } },
    ],
    [
      { CONTAINER_SAGA_ACTIVITY_POLLERS: 'auto:2-4' },
      { activityTaskPollerBehavior: { type: 'autoscaling', minimum: 2, initial: 4, maximum: 4 } },
    ],
    [
      { CONTAINER_SAGA_WORKFLOW_POLLERS: 'auto:6-20' },
      { workflowTaskPollerBehavior: { type: 'autoscaling', minimum: 6, initial: 6, maximum: 20 } },
    ],
    // autoscaled pollers wait for a free slot, so their maximum may pass the slots
    [
      { CONTAINER_SAGA_MAX_ACTIVITIES: '4', CONTAINER_SAGA_ACTIVITY_POLLERS: 'auto:1-10' },
      {
        maxConcurrentActivityTaskExecutions: 4,
        activityTaskPollerBehavior: { type: 'autoscaling', minimum: 1, initial: 5, maximum: 10 },
      },
    ],
  ])('%o', (env, want) => {
    expect(tuning(env)).toEqual(want);
  });

  it('an empty variable counts as unset', () => {
    expect(tuning({ CONTAINER_SAGA_MAX_ACTIVITIES: '', CONTAINER_SAGA_WORKFLOW_POLLERS: '' })).toEqual({});
  });

  it('the banner line says what is tuned', () => {
    expect(
      describeWorkerTuning(
        tuning({ CONTAINER_SAGA_MAX_ACTIVITIES: '20', CONTAINER_SAGA_WORKFLOW_POLLERS: 'auto:2-8' }),
      ),
    ).toBe(
      'slots: 20 activities, default local activities, default workflow tasks; pollers: default activity, auto 2-8 workflow',
    );
  });

  it.each<[Record<string, string>, RegExp]>([
    [
      { CONTAINER_SAGA_MAX_ACTIVITIES: '0' },
      /^CONTAINER_SAGA_MAX_ACTIVITIES must be a whole number from 1 to 100000 \(got "0"\)$/,
    ],
    [{ CONTAINER_SAGA_MAX_ACTIVITIES: 'ten' }, /^CONTAINER_SAGA_MAX_ACTIVITIES must be a whole number/],
    [{ CONTAINER_SAGA_MAX_ACTIVITIES: '1.5' }, /^CONTAINER_SAGA_MAX_ACTIVITIES must be a whole number/],
    [
      { CONTAINER_SAGA_MAX_LOCAL_ACTIVITIES: '-3' },
      /^CONTAINER_SAGA_MAX_LOCAL_ACTIVITIES must be a whole number from 1/,
    ],
    [
      { CONTAINER_SAGA_MAX_WORKFLOW_TASKS: '1' },
      /^CONTAINER_SAGA_MAX_WORKFLOW_TASKS must be a whole number from 2 to 100000 \(got "1"\)$/,
    ],
    [{ CONTAINER_SAGA_WORKFLOW_POLLERS: '1' }, /^CONTAINER_SAGA_WORKFLOW_POLLERS must be at least 2 \(got "1"\)$/],
    [{ CONTAINER_SAGA_ACTIVITY_POLLERS: '0' }, /^CONTAINER_SAGA_ACTIVITY_POLLERS must be at least 1 \(got "0"\)$/],
    [
      { CONTAINER_SAGA_WORKFLOW_POLLERS: '41' },
      /^CONTAINER_SAGA_WORKFLOW_POLLERS \(41\) cannot exceed the slots it fills: 40 \(CONTAINER_SAGA_MAX_WORKFLOW_TASKS\)$/,
    ],
    [
      { CONTAINER_SAGA_MAX_ACTIVITIES: '4', CONTAINER_SAGA_ACTIVITY_POLLERS: '5' },
      /^CONTAINER_SAGA_ACTIVITY_POLLERS \(5\) cannot exceed the slots it fills: 4 \(CONTAINER_SAGA_MAX_ACTIVITIES\)$/,
    ],
    [
      { CONTAINER_SAGA_ACTIVITY_POLLERS: 'many' },
      /^CONTAINER_SAGA_ACTIVITY_POLLERS must be a number of pollers, auto or auto:MIN-MAX \(got "many"\)$/,
    ],
    [
      { CONTAINER_SAGA_ACTIVITY_POLLERS: 'auto:5-2' },
      /^CONTAINER_SAGA_ACTIVITY_POLLERS: auto:MIN-MAX needs 1 <= MIN <= MAX \(got "auto:5-2"\)$/,
    ],
    [
      { CONTAINER_SAGA_WORKFLOW_POLLERS: 'auto:1-4' },
      /^CONTAINER_SAGA_WORKFLOW_POLLERS: auto:MIN-MAX needs 2 <= MIN <= MAX/,
    ],
  ])('%o fails with a ConfigError naming the variable', (env, message) => {
    const config = getConfig(env);
    expect(() => config.workerTuning).toThrow(ConfigError);
    expect(() => config.workerTuning).toThrow(message);
    expect(config.address).toBe('localhost:7233'); // only the worker, which reads it, fails
  });
});

describe('CONTAINER_SAGA_SHUTDOWN_GRACE', () => {
  const grace = (value?: string) => parseShutdownGrace(() => value);

  it.each<[string | undefined, number]>([
    [undefined, 25_000],
    ['30s', 30_000],
    ['30', 30_000],
    ['0', 0],
    ['500ms', 500],
    ['1.5s', 1_500],
    ['2m', 120_000],
    ['1h', 3_600_000],
  ])('%s → %d ms', (value, ms) => {
    expect(grace(value)).toBe(ms);
  });

  it.each(['-1s', '10 s', '1m30s', 'soon', '5d'])('%s fails clearly', (value) => {
    expect(() => grace(value)).toThrow(ConfigError);
    expect(() => grace(value)).toThrow(
      `CONTAINER_SAGA_SHUTDOWN_GRACE must be a duration: a number with ms, s, m or h (seconds when bare), e.g. 30s (got "${value}")`,
    );
  });

  it('is read through getConfig, empty meaning unset', () => {
    expect(getConfig({ CONTAINER_SAGA_SHUTDOWN_GRACE: '' }).shutdownGraceMs).toBe(25_000);
    expect(getConfig({ CONTAINER_SAGA_SHUTDOWN_GRACE: '3s' }).shutdownGraceMs).toBe(3_000);
  });
});
