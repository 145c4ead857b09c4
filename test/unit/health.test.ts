import { describe, expect, it } from 'vitest';
import {
  applyProbeResult,
  checkHealthConfig,
  goDuration,
  hasHealthcheck,
  healthSchedule,
  nextProbeDelay,
  probeCommand,
  startingHealth,
  type HealthLogEntry,
  type HealthSchedule,
  type HealthState,
} from '../../common/health';
import { healthFlags, parseGoDuration } from '../../client/parse-health';
import { toHealthConfig } from '../../api/convert/create-health';
import { healthFilter } from '../../api/convert/health-filter';
import { statusText } from '../../client/output';
import { toDockerEvent } from '../../api/docker-events';
import type { ContainerState } from '../../common/types';
import { parseCreate } from '../../client/parse-create';
import { createFlags } from './helpers';

// Docker's healthcheck rules (common/health.ts), the docker CLI's flags and the API's conversion.

const S: HealthSchedule = { intervalMs: 1000, timeoutMs: 500, startPeriodMs: 10_000, startIntervalMs: 200, retries: 3 };
const STARTED = '2026-01-01T00:00:00.000Z';
const at = (s: number) => new Date(Date.parse(STARTED) + s * 1000).toISOString();
const probe = (s: number, code: number): HealthLogEntry => ({ Start: at(s), End: at(s), ExitCode: code, Output: '' });

/** Feeds probes (second of start, exit code) through the state machine from "starting". */
function feed(probes: Array<[number, number]>, s = S): HealthState {
  return probes.reduce(
    (h, [sec, code]) => applyProbeResult(h, probe(sec, code), s, STARTED),
    startingHealth(undefined),
  );
}

describe("Docker's health state machine", () => {
  it.each([
    ['one success is healthy', [[11, 0]], 'healthy', 0],
    [
      'failures after the start period count: unhealthy at the retries',
      [
        [11, 1],
        [12, 1],
        [13, 1],
      ],
      'unhealthy',
      3,
    ],
    [
      'below the retries it stays starting',
      [
        [11, 1],
        [12, 1],
      ],
      'starting',
      2,
    ],
    [
      'failures within the start period do not count',
      [
        [1, 1],
        [2, 1],
        [3, 1],
        [4, 1],
      ],
      'starting',
      0,
    ],
    [
      'a success ends the start period: failures count from then',
      [
        [1, 0],
        [2, 1],
        [3, 1],
        [4, 1],
      ],
      'unhealthy',
      3,
    ],
    [
      'healthy → unhealthy → healthy: the streak resets',
      [
        [11, 0],
        [12, 1],
        [13, 1],
        [14, 1],
        [15, 0],
      ],
      'healthy',
      0,
    ],
    [
      'any non-zero exit code is a failure (-1: timeout)',
      [
        [11, 2],
        [12, -1],
        [13, 255],
      ],
      'unhealthy',
      3,
    ],
  ] as Array<[string, Array<[number, number]>, string, number]>)('%s', (_, probes, status, streak) => {
    const h = feed(probes);
    expect([h.Status, h.FailingStreak]).toEqual([status, streak]);
  });

  it('keeps the last five probes in the log', () => {
    const h = feed([0, 1, 0, 1, 0, 1, 0].map((code, i) => [20 + i, code] as [number, number]));
    expect(h.Log.map((l) => l.Start)).toEqual([22, 23, 24, 25, 26].map(at));
  });

  it('a new run starts over as starting with no streak, the log kept', () => {
    const h = startingHealth(
      feed([
        [11, 1],
        [12, 1],
        [13, 1],
      ]),
    );
    expect([h.Status, h.FailingStreak, h.Log.length]).toEqual(['starting', 0, 3]);
  });

  it('the interval, the start interval while starting within the start period', () => {
    expect(nextProbeDelay(S, 'starting', 5000)).toBe(200);
    expect(nextProbeDelay(S, 'healthy', 5000)).toBe(1000);
    expect(nextProbeDelay(S, 'starting', 10_000)).toBe(1000);
    expect(nextProbeDelay({ ...S, startPeriodMs: 0 }, 'starting', 0)).toBe(1000);
  });

  it("Docker's defaults for zero durations and retries; nanoseconds to milliseconds", () => {
    expect(healthSchedule({ Test: ['CMD', 'true'] })).toEqual({
      intervalMs: 30_000,
      timeoutMs: 30_000,
      startPeriodMs: 0,
      startIntervalMs: 5_000,
      retries: 3,
    });
    expect(healthSchedule({ Interval: 1.5e9, Timeout: 2e6, Retries: 1, StartPeriod: 6e10 })).toMatchObject({
      intervalMs: 1500,
      timeoutMs: 2,
      retries: 1,
      startPeriodMs: 60_000,
    });
  });

  it('the probe command of each Test kind; NONE and an empty Test run nothing', () => {
    expect(probeCommand(['CMD', 'curl', '-f', 'x'])).toEqual(['curl', '-f', 'x']);
    expect(probeCommand(['CMD-SHELL', 'test -f /tmp/ok'])).toEqual(['/bin/sh', '-c', 'test -f /tmp/ok']);
    expect(probeCommand(['WHAT', 'x'])).toBeUndefined();
    expect([hasHealthcheck({ Test: ['NONE'] }), hasHealthcheck({}), hasHealthcheck(undefined)]).toEqual([
      false,
      false,
      false,
    ]);
  });

  it("Go's duration text for the timeout's message", () => {
    expect([300, 1000, 1500, 30_000, 120_000, 3_600_000].map(goDuration)).toEqual([
      '300ms',
      '1s',
      '1.5s',
      '30s',
      '2m0s',
      '1h0m0s',
    ]);
  });

  it.each([
    [{ Interval: 999_999 }, 'Interval in Healthcheck cannot be less than 1ms'],
    [{ Interval: -1 }, 'Interval in Healthcheck cannot be less than 1ms'],
    [{ Timeout: 1 }, 'Timeout in Healthcheck cannot be less than 1ms'],
    [{ Retries: -1 }, 'Retries in Healthcheck cannot be negative'],
    [{ StartPeriod: 10 }, 'StartPeriod in Healthcheck cannot be less than 1ms'],
    [{ StartInterval: 10 }, 'StartInterval in Healthcheck cannot be less than 1ms'],
  ])("the daemon's check of %j", (h, message) => {
    expect(() => checkHealthConfig(h)).toThrow(message);
  });

  it('zero and 1ms durations pass', () => {
    expect(() => checkHealthConfig({ Interval: 0, Timeout: 1e6, Retries: 0 })).not.toThrow();
  });
});

describe('the docker CLI flags', () => {
  it.each([
    ['0', 0],
    ['1s', 1e9],
    ['1.5s', 1.5e9],
    ['1m30s', 90e9],
    ['-2s', -2e9],
    ['250ms', 2.5e8],
    ['10us', 1e4],
    ['1h', 3600e9],
  ])("Go's ParseDuration(%s)", (text, ns) => {
    expect(parseGoDuration(text)).toBe(ns);
  });

  it.each(['', '1', 's', '1x', '1s2', '--1s'])('refuses %j', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });

  const bad = (value: string, flag: string, why: string): never => {
    throw new Error(`invalid argument "${value}" for "${flag}" flag: ${why}`);
  };

  it('--health-cmd and the durations as the docker CLI sends them', () => {
    expect(
      healthFlags({ healthCmd: 'true', healthInterval: '2s', healthRetries: '4', healthcheck: true }, bad),
    ).toEqual({
      healthcheck: {
        Test: ['CMD-SHELL', 'true'],
        Interval: 2e9,
        Timeout: 0,
        StartPeriod: 0,
        StartInterval: 0,
        Retries: 4,
      },
    });
    expect(healthFlags({ healthTimeout: '3s' }, bad).healthcheck?.Test).toBeUndefined();
    expect(healthFlags({ healthcheck: true }, bad)).toEqual({});
    expect(healthFlags({ healthcheck: false }, bad)).toEqual({ healthcheck: { Test: ['NONE'] } });
  });

  it("parseCreate sends them as the create's healthcheck, checked as the daemon checks them", () => {
    const req = parseCreate(createFlags({ healthCmd: 'test -f /ok', healthRetries: '2' }), 'busybox', ['true']);
    expect(req.healthcheck).toMatchObject({ Test: ['CMD-SHELL', 'test -f /ok'], Retries: 2 });
    const off = parseCreate(createFlags({ healthcheck: false }), 'busybox', ['true']);
    expect(off.healthcheck).toEqual({ Test: ['NONE'] });
    expect(() => parseCreate(createFlags({ healthTimeout: '-3s' }), 'busybox', ['true'])).toThrow(
      '--health-timeout cannot be negative',
    );
  });

  it.each([
    [{ healthInterval: '-1s' }, '--health-interval cannot be negative'],
    [{ healthTimeout: '-1s' }, '--health-timeout cannot be negative'],
    [{ healthRetries: '-1' }, '--health-retries cannot be negative'],
    [{ healthStartPeriod: '-1s' }, '--health-start-period cannot be negative'],
    [{ healthStartInterval: '-1s' }, '--health-start-interval cannot be negative'],
    [{ healthcheck: false, healthCmd: 'x' }, '--no-healthcheck conflicts with --health-* options'],
    [{ healthInterval: '5' }, 'invalid argument "5" for "--health-interval" flag: time: invalid duration "5"'],
    [{ healthRetries: 'x' }, 'invalid argument "x" for "--health-retries" flag: strconv.ParseInt: parsing "x"'],
  ])('refuses %j', (flags, message) => {
    expect(() => healthFlags(flags, bad)).toThrow(message);
  });
});

describe('the Engine API', () => {
  it("converts Config.Healthcheck as sent; a zero one is none; a wrong type is Docker's 400", () => {
    expect(toHealthConfig({ Test: ['CMD-SHELL', 'x'], Interval: 1e9, Timeout: 0, Retries: 2 })).toEqual({
      Test: ['CMD-SHELL', 'x'],
      Interval: 1e9,
      Retries: 2,
    });
    expect(toHealthConfig({ Test: ['NONE'] })).toEqual({ Test: ['NONE'] });
    expect([toHealthConfig(null), toHealthConfig({ Test: null, Interval: 0 })]).toEqual([undefined, undefined]);
    expect(() => toHealthConfig({ Interval: '1s' })).toThrow('invalid Healthcheck.Interval: want an integer');
  });

  it("ps's health filter values", () => {
    expect(healthFilter(['healthy', 'none'])).toEqual(['healthy', 'none']);
    expect(() => healthFilter(['sick'])).toThrow('Unrecognised filter value for health: sick');
  });

  it('Status: "Up … (healthy)", "(health: starting)", "(unhealthy)"', () => {
    const now = Date.parse(STARTED) + 3000;
    const st = (Status: 'starting' | 'healthy' | 'unhealthy'): ContainerState => ({
      Status: 'running',
      Running: true,
      Paused: false,
      Restarting: false,
      RemovalInProgress: false,
      Dead: false,
      Pid: 1,
      ExitCode: 0,
      Error: '',
      StartedAt: STARTED,
      FinishedAt: '',
      Health: { Status, FailingStreak: 0, Log: [] },
    });
    expect(statusText(st('healthy'), now)).toBe('Up 3 seconds (healthy)');
    expect(statusText(st('starting'), now)).toBe('Up 3 seconds (health: starting)');
    expect(statusText(st('unhealthy'), now)).toBe('Up 3 seconds (unhealthy)');
  });

  it('health_status events carry the status in their action', () => {
    const ev = toDockerEvent({
      time: STARTED,
      type: 'container',
      action: 'health_status',
      id: 'c',
      name: 'web',
      attributes: { healthStatus: 'healthy' },
    });
    expect(ev.Action).toBe('health_status: healthy');
    expect(ev.Actor.Attributes).toEqual({ image: '', name: 'web' });
  });
});
