/**
 * metrics/: CONTAINER_SAGA_METRICS parsing, the activity → step map, error types, the leftovers gauge, API
 * observations.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ApplicationFailure,
  type MetricCounter,
  type MetricGauge,
  type MetricHistogram,
  type MetricMeter,
  type MetricTags,
} from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { ConfigError, getConfig } from '../../config';
import { HOST_STEPS } from '../../common/steps';
import type { ContainerRecord } from '../../common/types';
import { errorTypeOf } from '../../metrics/activity-interceptor';
import { apiRequestMetrics } from '../../metrics/api';
import { LeftoversGauge } from '../../metrics/leftovers';
import { HISTOGRAM_BUCKETS_MS, MetricNames } from '../../metrics/names';
import { sagaStepOf } from '../../metrics/saga-activities';
import type { HostRuntime } from '../../runtime/host-runtime';

describe('CONTAINER_SAGA_METRICS', () => {
  it('is off when unset or empty', () => {
    expect(getConfig({}).metrics).toBeUndefined();
    expect(getConfig({ CONTAINER_SAGA_METRICS: '' }).metrics).toBeUndefined();
  });

  it.each<[string, string, number, string]>([
    ['9464', '127.0.0.1', 9464, '127.0.0.1:9464'],
    ['127.0.0.1:9464', '127.0.0.1', 9464, '127.0.0.1:9464'],
    ['0.0.0.0:9090', '0.0.0.0', 9090, '0.0.0.0:9090'],
    ['localhost:9464', '127.0.0.1', 9464, '127.0.0.1:9464'],
    ['[::1]:9464', '::1', 9464, '[::1]:9464'],
    ['[::]:65535', '::', 65535, '[::]:65535'],
  ])('%s → %s port %d, bound as %s', (value, host, port, bindAddress) => {
    expect(getConfig({ CONTAINER_SAGA_METRICS: value }).metrics).toEqual({ host, port, bindAddress });
  });

  it.each<[string, RegExp]>([
    [
      'metrics.local:9464',
      /must be PORT, IPv4:PORT, \[IPv6\]:PORT or localhost:PORT, e\.g\. 127\.0\.0\.1:9464 \(got "metrics\.local:9464"\)$/,
    ],
    ['::1:9464', /must be PORT, IPv4:PORT, \[IPv6\]:PORT or localhost:PORT/],
    ['[127.0.0.1]:9464', /must be PORT, IPv4:PORT, \[IPv6\]:PORT or localhost:PORT/],
    ['1.2.3:9464', /must be PORT, IPv4:PORT/],
    ['127.0.0.1:', /must be PORT, IPv4:PORT/],
    ['[::1]', /must be PORT, IPv4:PORT/],
    ['127.0.0.1:0', /^CONTAINER_SAGA_METRICS must be a port number, 1-65535 \(got "0"\)$/],
    ['127.0.0.1:70000', /^CONTAINER_SAGA_METRICS must be a port number, 1-65535 \(got "70000"\)$/],
    ['http://127.0.0.1:9464', /must be PORT, IPv4:PORT/],
  ])('%s fails with a ConfigError naming the variable, only where it is read', (value, message) => {
    const c = getConfig({ CONTAINER_SAGA_METRICS: value });
    expect(() => c.metrics).toThrow(ConfigError);
    expect(() => c.metrics).toThrow(/^CONTAINER_SAGA_METRICS /);
    expect(() => c.metrics).toThrow(message);
    expect(c.address).toBe('localhost:7233');
  });
});

/** The parts of a history event (JSON) read here. */
interface HistoryEvent {
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
  markerRecordedEventAttributes?: { markerName: string; details: { data: { payloads: Array<{ data: string }> } } };
}

/** Every activity type the recorded start histories (of every release kept) scheduled or ran as a local activity. */
function activityTypesOfRecordedStarts(): Set<string> {
  const types = new Set<string>();
  const dir = path.resolve(__dirname, '../histories');
  for (const release of readdirSync(dir)) {
    for (const file of readdirSync(path.join(dir, release)).filter((f) => f.startsWith('start-'))) {
      const { events } = JSON.parse(readFileSync(path.join(dir, release, file), 'utf8')) as { events: HistoryEvent[] };
      for (const e of events) {
        const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name;
        if (scheduled) types.add(scheduled);
        const marker = e.markerRecordedEventAttributes;
        if (marker?.markerName === 'core_local_activity') {
          types.add(
            (
              JSON.parse(Buffer.from(marker.details.data.payloads[0]!.data, 'base64').toString()) as {
                activity_type: string;
              }
            ).activity_type,
          );
        }
      }
    }
  }
  return types;
}

describe('the start saga step of an activity', () => {
  it('names every host step and release as the table does', () => {
    for (const s of HOST_STEPS) {
      expect(sagaStepOf('containerStart', s.activity)).toEqual({ step: s.name, kind: 'acquire' });
      if ('releaseActivity' in s)
        expect(sagaStepOf('containerStart', s.releaseActivity)).toEqual({ step: s.release, kind: 'release' });
    }
    expect(sagaStepOf('containerStart', 'lookupContainer')).toEqual({ step: 'lookup', kind: 'record' });
    expect(sagaStepOf('containerStart', 'markRunning')).toEqual({ step: 'mark-running', kind: 'record' });
  });

  it('knows every activity the recorded start sagas ran', () => {
    const types = activityTypesOfRecordedStarts();
    expect(types.size).toBeGreaterThan(15);
    for (const t of types) expect(sagaStepOf('containerStart', t), t).toBeDefined();
  });

  it('counts only what the start saga scheduled', () => {
    expect(sagaStepOf('containerStop', 'lookupContainer')).toBeUndefined();
    expect(sagaStepOf('containerMonitor', 'markRestarting')).toBeUndefined();
    expect(sagaStepOf(undefined, 'mountRootfs')).toBeUndefined();
    expect(sagaStepOf('containerStart', 'inspectContainer')).toBeUndefined();
  });
});

describe('error types of failed attempts', () => {
  it.each<[string, unknown, string]>([
    ['an ApplicationFailure: its type', ApplicationFailure.nonRetryable('no', 'InjectedFault'), 'InjectedFault'],
    ['an ApplicationFailure without a type', ApplicationFailure.create({ message: 'x' }), 'ApplicationFailure'],
    ['a TypeError', new TypeError('x'), 'TypeError'],
    ['a thrown string', 'boom', 'Error'],
  ])('%s', (_case, err, want) => {
    expect(errorTypeOf(err)).toBe(want);
  });
});

/** A meter that keeps what is recorded, by metric name. */
function recordingMeter() {
  const seen: Array<{ name: string; value: number; tags: MetricTags }> = [];
  const metric = (name: string) => {
    const keep = (value: number, tags: MetricTags = {}) => void seen.push({ name, value, tags });
    return { name, add: keep, record: keep, set: keep, withTags: () => metric(name) } as unknown as MetricCounter &
      MetricHistogram &
      MetricGauge;
  };
  const meter = {
    createCounter: metric,
    createHistogram: metric,
    createGauge: metric,
    withTags: () => meter,
  } as unknown as MetricMeter;
  return { meter, seen };
}

describe('the leftovers gauge', () => {
  const record = (leftovers?: string[]) => ({ Leftovers: leftovers }) as unknown as ContainerRecord;

  it('sets the number of leftovers recorded across containers; overlapping refreshes run one after another', async () => {
    let records = [record(['release-network: busy']), record(), record(['unmount-rootfs: busy', 'state: disk full'])];
    let listing = 0;
    let most = 0;
    const runtime = {
      store: {
        list: async () => {
          most = Math.max(most, ++listing);
          await new Promise((r) => setTimeout(r, 10));
          listing--;
          return records;
        },
      },
    } as unknown as HostRuntime;
    const { meter, seen } = recordingMeter();
    const gauge = new LeftoversGauge(runtime, meter.createGauge(MetricNames.leftoversPending));
    await gauge.refresh();
    expect(seen.map((s) => s.value)).toEqual([3]);

    records = [record()];
    const first = gauge.refresh();
    void gauge.refresh();
    void gauge.refresh();
    await first;
    await new Promise((r) => setTimeout(r, 50));
    expect(most).toBe(1);
    // the refreshes asked for during a count are folded into one more count, which sees the latest state
    expect(seen.map((s) => s.value)).toEqual([3, 0, 0]);
  });

  it('reports a failed count and keeps the last value', async () => {
    const errors: unknown[] = [];
    const runtime = { store: { list: async () => Promise.reject(new Error('EACCES')) } } as unknown as HostRuntime;
    const { meter, seen } = recordingMeter();
    await new LeftoversGauge(runtime, meter.createGauge(MetricNames.leftoversPending), (e) => errors.push(e)).refresh();
    expect(seen).toEqual([]);
    expect(errors).toHaveLength(1);
  });
});

describe('Engine API request metrics', () => {
  it('counts by route, method and status and times by route and method', () => {
    const { meter, seen } = recordingMeter();
    const observe = apiRequestMetrics(meter);
    observe({ route: '/containers/{id}/start', method: 'POST', status: 204, ms: 180.5 });
    expect(seen).toEqual([
      {
        name: MetricNames.apiRequests,
        value: 1,
        tags: { route: '/containers/{id}/start', method: 'POST', status: '204' },
      },
      { name: MetricNames.apiLatency, value: 180.5, tags: { route: '/containers/{id}/start', method: 'POST' } },
    ]);
  });
});

describe('metric names', () => {
  it('are Prometheus-style: the prefix, counters ending _total, units in histogram names, buckets ascending', () => {
    for (const name of Object.values(MetricNames)) expect(name).toMatch(/^container_saga_[a-z_]+$/);
    for (const [name, buckets] of Object.entries(HISTOGRAM_BUCKETS_MS)) {
      expect(name).toMatch(/_milliseconds$/);
      expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    }
  });
});
