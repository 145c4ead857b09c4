import { describe, expect, it } from 'vitest';
import { dockerStamp, entryMillis, formatLogEntry, parseLogLine } from '../../runtime/k8s-file';

describe('k8s-file log entries', () => {
  it.each([
    ['2026-12-08T00:29:05.673690442+00:00 stdout F out', { stream: 'stdout', full: true, text: 'out\n' }],
    ['2026-12-08T00:29:05.673745014+00:00 stderr F err', { stream: 'stderr', full: true, text: 'err\n' }],
    ['2026-12-08T00:29:20.672466166+00:00 stdout P / # ', { stream: 'stdout', full: false, text: '/ # ' }],
    ['2026-12-08T00:29:20.672466166Z stdout F ', { stream: 'stdout', full: true, text: '\n' }],
    ['2026-12-08T00:29:20.6Z stdout F a\rb c', { stream: 'stdout', full: true, text: 'a\rb c\n' }],
  ])('parses %j', (line, want) => {
    expect(parseLogLine(line)).toMatchObject(want);
  });

  it.each(['', '2026-12-08T00:29:20Z stdin F x', '2026-12-08T00:29:20Z stdout X x', 'garbage'])('refuses %j', (line) =>
    expect(parseLogLine(line)).toBeUndefined(),
  );

  it('stamps as Docker does, in UTC with nanoseconds', () => {
    expect(dockerStamp('2026-12-08T00:29:05.673690442+00:00')).toBe('2026-12-08T00:29:05.673690442Z');
    expect(dockerStamp('2026-12-08T00:29:05.5Z')).toBe('2026-12-08T00:29:05.500000000Z');
    expect(dockerStamp('2026-12-08T01:29:05.123456789+01:00')).toBe('2026-12-08T00:29:05.123000000Z');
    expect(entryMillis('2026-12-08T00:29:05.673690442+00:00')).toBe(Date.parse('2026-12-08T00:29:05.673Z'));
  });

  it('formats what it parses back to the same bytes', () => {
    const text = 'one\ntwo\npartial';
    const lines = formatLogEntry(new Date('2026-12-08T00:00:00.000Z'), 'stderr', text).split('\n').slice(0, -1);
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => parseLogLine(l)!.text).join('')).toBe(text);
    expect(lines.every((l) => parseLogLine(l)!.stream === 'stderr')).toBe(true);
  });
});
