/** client/log-since.ts: `logs --since` in Docker's forms; common/log-config.ts: --log-opt max-size/max-file. */
import { describe, expect, it } from 'vitest';
import { parseGoDuration, parseSince } from '../../client/log-since';
import { DEFAULT_LOG_BOUND, logBound, parseHumanSize } from '../../common/log-config';
import { expectError, thrown } from './helpers';

const NOW = Date.parse('2026-11-30T23:30:00.000Z');
const local = (...p: [number, number, number, number?, number?, number?]) =>
  new Date(p[0], p[1] - 1, p[2], p[3] ?? 0, p[4] ?? 0, p[5] ?? 0).getTime();

describe("parseGoDuration (Go's time.ParseDuration, in ms)", () => {
  it.each<[string, number | undefined]>([
    ['42s', 42_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['300ms', 300],
    ['2h45m3s', 9_903_000],
    ['-5m', -300_000],
    ['1500us', 1.5],
    ['10', undefined],
    ['m', undefined],
    ['1d', undefined],
    ['', undefined],
  ])('%j → %j', (text, want) => {
    expect(parseGoDuration(text)).toBe(want);
  });
});

describe("parseSince (Docker's GetTimestamp)", () => {
  it.each<[string, number]>([
    ['10m', NOW - 600_000],
    ['1h30m', NOW - 5_400_000],
    ['42s', NOW - 42_000],
    ['1700000000', 1_700_000_000_000],
    ['1700000000.123', 1_700_000_000_123],
    ['1700000000.000000001', 1_700_000_000_000 + 1e-6],
    ['0', 0],
    ['2026-11-30T23:29:01Z', Date.parse('2026-11-30T23:29:01Z')],
    ['2026-11-30T23:29:01.5Z', Date.parse('2026-11-30T23:29:01.500Z')],
    ['2026-11-30T23:29:01.123456789Z', Date.parse('2026-11-30T23:29:01.123Z') + 0.456789],
    ['2026-11-30T23:29:01+01:00', Date.parse('2026-11-30T22:29:01Z')],
    ['2026-11-30T23:29:01-02:30', Date.parse('2026-12-01T01:59:01Z')],
    ['2026-11-30Z', Date.parse('2026-11-30T00:00:00Z')],
    ['2026-11-30T23Z', Date.parse('2026-11-30T23:00:00Z')],
    ['2026-11-30T23:10Z', Date.parse('2026-11-30T23:10:00Z')],
    ['2026-11-30', local(2026, 11, 30)],
    ['2026-11-30T23:10', local(2026, 11, 30, 23, 10)],
    ['2026-11-30T23:10:05', local(2026, 11, 30, 23, 10, 5)],
  ])('%s', (value, want) => {
    expect(parseSince(value, NOW)).toBeCloseTo(want, 6);
  });

  it.each<[string, RegExp]>([
    ['yesterday', /^failed to parse value as time or duration: "yesterday"$/],
    ['10x', /^failed to parse value as time or duration: "10x"$/],
    ['2026-13-01', /^parsing time "2026-13-01"/],
    ['2026-02-30T10:00:00Z', /^parsing time "2026-02-30T10:00:00Z"/],
    ['2026-1-1', /^parsing time "2026-1-1"/],
  ])('%s is refused', (value, message) => {
    expect(() => parseSince(value, NOW)).toThrow(message);
  });
});

describe("parseHumanSize (Docker's units.FromHumanSize: decimal)", () => {
  it.each<[string, number | undefined]>([
    ['10m', 10_000_000],
    ['20M', 20_000_000],
    ['512k', 512_000],
    ['1.5g', 1_500_000_000],
    ['1 MB', 1_000_000],
    ['100', 100],
    ['10mb', 10_000_000],
    ['abc', undefined],
    ['-1m', undefined],
  ])('%s → %j', (text, want) => {
    expect(parseHumanSize(text)).toBe(want);
  });
});

describe("logBound: --log-opt checked with Docker's messages", () => {
  it.each<[string, Record<string, string>, { maxSize: number; maxFile: number }]>([
    ['nothing: the project default', {}, DEFAULT_LOG_BOUND],
    ['both', { 'max-size': '10m', 'max-file': '3' }, { maxSize: 10_000_000, maxFile: 3 }],
    [
      'max-size alone: the default max-file',
      { 'max-size': '1k' },
      { maxSize: 1000, maxFile: DEFAULT_LOG_BOUND.maxFile },
    ],
    [
      'an option we accept and ignore',
      { tag: 'x', 'max-file': '1' },
      { maxSize: DEFAULT_LOG_BOUND.maxSize, maxFile: 1 },
    ],
  ])('%s', (_what, Config, want) => {
    expect(logBound({ Type: 'json-file', Config })).toEqual(want);
  });

  it('a record without a LogConfig has the default bound', () => {
    expect(logBound(undefined)).toEqual(DEFAULT_LOG_BOUND);
  });

  it.each<[string, string, Record<string, string>, string]>([
    ['unknown option', 'json-file', { 'max-age': '1' }, "unknown log opt 'max-age' for json-file log driver"],
    ['bad size', 'json-file', { 'max-size': 'lots' }, "invalid size: 'lots'"],
    ['zero size', 'json-file', { 'max-size': '0' }, 'max-size must be a positive number'],
    ['bad count', 'json-file', { 'max-file': 'three' }, 'strconv.Atoi: parsing "three": invalid syntax'],
    ['zero files', 'json-file', { 'max-file': '0' }, 'max-file cannot be less than 1'],
    ['another driver', 'syslog', {}, "logger: no log driver named 'syslog' is registered"],
  ])('%s', (_what, Type, Config, message) => {
    expectError(
      thrown(() => logBound({ Type, Config })),
      { type: 'InvalidParameter', message },
    );
  });
});
