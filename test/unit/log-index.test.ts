/**
 * runtime/log-index.ts and the time-aware half of runtime/logs.ts: samples of when bytes appeared, --since
 * and -t from them, rotation by copy-then-truncate, and cursors that stay logical across rotations. Time is
 * passed in, never slept for.
 */
import { appendFile, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexFile, LogSampler, readLogIndex, rotatedFile, sampleLog, type LogSample } from '../../runtime/log-index';
import { formatLogTime, LineTimes, readLogPage, type LogPageOptions, pageText } from '../../runtime/logs';
import { tempDirEach } from './helpers';

const tmp = tempDirEach('log-index');
const T0 = Date.parse('2026-11-30T23:30:00.000Z');
const logFile = () => path.join(tmp.path, 'container.log');

/** Every page from the first (with `first`'s options) on, concatenated; later pages keep `timestamps`. */
async function readAll(first: LogPageOptions = {}): Promise<string> {
  let page = await readLogPage(logFile(), first);
  let text = pageText(page);
  while (page.more) {
    page = await readLogPage(logFile(), {
      cursor: page.next,
      timestamps: first.timestamps,
      limit: first.limit,
      now: first.now,
    });
    text += pageText(page);
  }
  return text;
}

/** Appends `lines` to the log, then one sample at `at` ms after T0 (as one monitor poll would). */
async function write(sampler: LogSampler, at: number, ...lines: string[]): Promise<void> {
  await appendFile(logFile(), lines.join(''));
  await sampler.sample(T0 + at);
}

describe("formatLogTime: Docker's RFC 3339 with nanoseconds", () => {
  it.each<[number, string]>([
    [T0, '2026-11-30T23:30:00.000000000Z'],
    [T0 + 1123, '2026-11-30T23:30:01.123000000Z'],
    [Date.parse('1999-01-02T03:04:05.006Z'), '1999-01-02T03:04:05.006000000Z'],
  ])('%d → %s', (ms, want) => {
    expect(formatLogTime(ms)).toBe(want);
  });
});

describe("LineTimes: a byte's time is the earliest sample that covers it", () => {
  const samples: LogSample[] = [
    { end: 10, time: 100 },
    { end: 25, time: 200 },
    { end: 25, time: 150 },
    { end: 40, time: 300 },
  ];
  it.each<[string, number, number]>([
    ['the first byte', 0, 100],
    ['the last byte of the first sample', 9, 100],
    ['the first byte of the second: the earlier of two samples of one size', 10, 150],
    ['in the last sample', 39, 300],
    ['past every sample: now', 40, 999],
  ])('%s', (_what, at, want) => {
    expect(new LineTimes(samples, 999).timeOf(at)).toBe(want);
  });

  it('an out-of-order sample still counts (a reader appended after the monitor)', () => {
    expect(
      new LineTimes(
        [
          { end: 40, time: 300 },
          { end: 10, time: 100 },
        ],
        999,
      ).timeOf(20),
    ).toBe(300);
    expect(
      new LineTimes(
        [
          { end: 40, time: 100 },
          { end: 10, time: 300 },
        ],
        999,
      ).timeOf(5),
    ).toBe(100);
  });

  it.each<[string, number, number]>([
    ['before everything: the start', 50, 0],
    ["at a sample's time: the bytes it added", 150, 10],
    ["between samples: the next sample's bytes", 250, 25],
    ['after every sample: the unsampled rest', 400, 40],
    ['in the future: nothing', 1000, 40],
  ])('firstAtOrAfter: %s', (_what, since, want) => {
    expect(new LineTimes(samples, 999).firstAtOrAfter(since, 40)).toBe(want);
  });
});

describe('sampling', () => {
  it('one sample per growth, none while the log stands still; the index survives a new sampler', async () => {
    const s = new LogSampler(logFile());
    expect(await s.sample(T0)).toBeUndefined(); // no log yet: nothing written
    await expect(readFile(indexFile(logFile()), 'utf8')).rejects.toThrow();
    await write(s, 0, 'a\n');
    await s.sample(T0 + 100);
    await write(s, 200, 'b\n', 'c\n');
    expect(await readLogIndex(logFile())).toEqual({
      starts: [0],
      samples: [
        { end: 2, time: T0 },
        { end: 6, time: T0 + 200 },
      ],
    });
    await appendFile(logFile(), 'd\n');
    await sampleLog(logFile(), T0 + 300); // a reader's sampler: reads the index first
    expect((await readLogIndex(logFile())).samples.at(-1)).toEqual({ end: 8, time: T0 + 300 });
  });

  it('-t: each line gets the time of the sample that first covered its first byte', async () => {
    const s = new LogSampler(logFile());
    await write(s, 0, 'one\n', 'two\n');
    await write(s, 100, 'three\n');
    await write(s, 250, 'fo'); // a line still being written
    await write(s, 400, 'ur\n', 'five\n');
    const at = (ms: number) => formatLogTime(T0 + ms);
    expect(await readAll({ timestamps: true })).toBe(
      `${at(0)} one\n${at(0)} two\n${at(100)} three\n${at(250)} four\n${at(400)} five\n`,
    );
  });

  it('-t across pages: a page that begins inside a line does not stamp it again; prefixes count in the page', async () => {
    const s = new LogSampler(logFile());
    await write(s, 0, `${'x'.repeat(100)}\n`, 'y\n');
    const stamp = formatLogTime(T0);
    // a limit of 64 bytes: the long line goes in pieces, stamped once
    const text = await readAll({ timestamps: true, limit: 64 });
    expect(text).toBe(`${stamp} ${'x'.repeat(100)}\n${stamp} y\n`);
    let page = await readLogPage(logFile(), { timestamps: true, limit: 64 });
    expect(Buffer.byteLength(pageText(page))).toBeLessThanOrEqual(64);
    page = await readLogPage(logFile(), { timestamps: true, limit: 200 });
    expect(pageText(page)).toBe(text);
  });

  it.each<[string, number, string]>([
    ['before the first line: all', -1000, 'one\ntwo\nthree\nfour\n'],
    ['at a sample: its lines on', 100, 'three\nfour\n'],
    ["between samples: the later sample's lines", 150, 'four\n'],
    ['after the last sample: nothing written since', 10_000, ''],
  ])('--since %s', async (_what, since, want) => {
    const s = new LogSampler(logFile());
    await write(s, 0, 'one\n', 'two\n');
    await write(s, 100, 'three\n');
    await write(s, 200, 'four\n');
    expect(await readAll({ since: T0 + since, now: T0 + 300 })).toBe(want);
  });

  it('--since a time inside a line that grew over two samples: the line began earlier, so the next one', async () => {
    const s = new LogSampler(logFile());
    await write(s, 0, 'par');
    await write(s, 100, 'tial\n', 'next\n');
    expect(await readAll({ since: T0 + 50, now: T0 + 300 })).toBe('next\n');
  });

  it('--since with --tail: the last N of the lines since', async () => {
    const s = new LogSampler(logFile());
    await write(s, 0, 'a\n', 'b\n');
    await write(s, 100, 'c\n', 'd\n', 'e\n');
    expect(await readAll({ since: T0 + 100, tail: 2, now: T0 + 300 })).toBe('d\ne\n');
    expect(await readAll({ since: T0 + 100, tail: 10, now: T0 + 300 })).toBe('c\nd\ne\n');
  });
});

describe('rotation (copy-then-truncate) and logical cursors', () => {
  const bound = { maxSize: 10, maxFile: 3 };

  /** Writes `line`, samples, and rotates when the live file has reached max-size (the monitor's poll). */
  async function poll(s: LogSampler, at: number, line: string): Promise<void> {
    await appendFile(logFile(), line);
    const size = await s.sample(T0 + at);
    if (size !== undefined && size >= bound.maxSize) await s.rotate(bound, T0 + at);
  }

  it('keeps max-file files with the newest output; cursors, --tail, --since and -t read across them', async () => {
    const s = new LogSampler(logFile());
    const lines = Array.from({ length: 12 }, (_, i) => `line${String(i).padStart(2, '0')}\n`); // 7 bytes each
    for (const [i, line] of lines.entries()) await poll(s, i * 100, line);
    // 84 bytes written; rotations at 14, 28, 42, 56, 70, 84 bytes: two rotated files of 14 bytes and an empty live one
    const files = (await readdir(tmp.path)).filter((f) => f.startsWith('container.log')).sort();
    expect(files).toEqual(['container.log', 'container.log.1', 'container.log.2', 'container.log.index']);
    expect(await readFile(rotatedFile(logFile(), 1), 'utf8')).toBe(lines.slice(10).join(''));
    expect(await readFile(rotatedFile(logFile(), 2), 'utf8')).toBe(lines.slice(8, 10).join(''));
    expect(await readFile(logFile(), 'utf8')).toBe('');
    expect((await readLogIndex(logFile())).starts).toEqual([56, 70, 84]);

    expect(await readAll()).toBe(lines.slice(8).join(''));
    expect(await readAll({ tail: 3 })).toBe(lines.slice(9).join(''));
    expect(await readAll({ since: T0 + 1000, now: T0 + 2000 })).toBe(lines.slice(10).join(''));
    expect(await readAll({ timestamps: true })).toBe(
      lines
        .slice(8)
        .map((l, i) => `${formatLogTime(T0 + (i + 8) * 100)} ${l}`)
        .join(''),
    );
    // a cursor older than the oldest kept byte starts there; one inside a rotated file goes on from it
    expect(pageText(await readLogPage(logFile(), { cursor: 0 }))).toBe(lines.slice(8).join(''));
    expect(pageText(await readLogPage(logFile(), { cursor: 63 }))).toBe(lines.slice(9).join(''));
  });

  it("a follower's cursor names the same byte after rotations: it neither repeats nor skips", async () => {
    const s = new LogSampler(logFile());
    let cursor = 0;
    let seen = '';
    const written: string[] = [];
    for (let i = 0; i < 9; i++) {
      const line = `msg${i}\n`; // 5 bytes
      written.push(line);
      await poll(s, i * 100, line);
      const page = await readLogPage(logFile(), { cursor });
      seen += pageText(page);
      cursor = page.next;
    }
    expect(seen).toBe(written.join(''));
    expect(cursor).toBe(45);
  });

  it('a line split by a rotation reads whole, stamped once', async () => {
    const s = new LogSampler(logFile());
    await appendFile(logFile(), 'head\nsplit-');
    await s.sample(T0);
    await s.rotate({ maxSize: 1, maxFile: 2 }, T0);
    await appendFile(logFile(), 'line\n');
    await s.sample(T0 + 100);
    expect(await readAll()).toBe('head\nsplit-line\n');
    expect(await readAll({ timestamps: true })).toBe(`${formatLogTime(T0)} head\n${formatLogTime(T0)} split-line\n`);
    expect(await readAll({ tail: 1 })).toBe('split-line\n');
  });

  it('max-file 1 keeps nothing rotated: the log starts again, at a later logical offset', async () => {
    const s = new LogSampler(logFile());
    await writeFile(logFile(), 'old\n');
    await s.sample(T0);
    await s.rotate({ maxSize: 1, maxFile: 1 }, T0);
    await appendFile(logFile(), 'new\n');
    await s.sample(T0 + 100);
    expect((await readdir(tmp.path)).filter((f) => f.startsWith('container.log.')).sort()).toEqual([
      'container.log.index',
    ]);
    const page = await readLogPage(logFile());
    expect(page).toEqual({ chunks: [{ stream: 'stdout', text: 'new\n' }], next: 8, more: false });
  });

  it('rotation drops the samples of the bytes it drops', async () => {
    const s = new LogSampler(logFile());
    for (let i = 0; i < 6; i++) await poll(s, i * 100, 'abcdefg\n'); // 8 bytes: a rotation every second write
    const idx = await readLogIndex(logFile());
    expect(idx.starts).toEqual([16, 32, 48]);
    expect(idx.samples.every((x) => x.end > 16)).toBe(true);
  });
});
