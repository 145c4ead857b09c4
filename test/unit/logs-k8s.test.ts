/** runtime/logs.ts on conmon's k8s-file log: streams apart, each entry's own time, legacy raw lines as stdout. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatLogEntry } from '../../runtime/k8s-file';
import { readLogPage, type LogChunk, type LogPageOptions } from '../../runtime/logs';
import { tempDirEach } from './helpers';

const tmp = tempDirEach('logs-k8s');
const T0 = Date.parse('2026-11-30T23:30:00Z');
const at = (ms: number) => new Date(T0 + ms);
const stamp = (ms: number) => `${at(ms).toISOString().replace(/Z$/, '000000Z')}`;

async function logOf(content: string): Promise<string> {
  const file = path.join(tmp.path, 'container.log');
  await writeFile(file, content);
  return file;
}

/** Every page from the first, its chunks in order (adjacent ones of a stream joined). */
async function chunksOf(file: string, first: LogPageOptions = {}, limit?: number): Promise<LogChunk[]> {
  const out: LogChunk[] = [];
  const add = (cs: LogChunk[]) => {
    for (const c of cs) {
      const last = out.at(-1);
      if (last?.stream === c.stream) last.text += c.text;
      else out.push({ ...c });
    }
  };
  let page = await readLogPage(file, { ...first, limit });
  add(page.chunks);
  while (page.more) {
    page = await readLogPage(file, { cursor: page.next, timestamps: first.timestamps, until: first.until, limit });
    add(page.chunks);
  }
  return out;
}

const sample = () =>
  formatLogEntry(at(0), 'stdout', 'out 1\n') +
  formatLogEntry(at(10), 'stderr', 'err 1\n') +
  formatLogEntry(at(20), 'stdout', 'out 2\nout 3\n') +
  formatLogEntry(at(1000), 'stderr', 'err 2\n') +
  formatLogEntry(at(2000), 'stdout', 'no newline');

describe('readLogPage on a k8s-file log', () => {
  it('keeps stdout and stderr apart, in the order written', async () => {
    expect(await chunksOf(await logOf(sample()))).toEqual([
      { stream: 'stdout', text: 'out 1\n' },
      { stream: 'stderr', text: 'err 1\n' },
      { stream: 'stdout', text: 'out 2\nout 3\n' },
      { stream: 'stderr', text: 'err 2\n' },
      { stream: 'stdout', text: 'no newline' },
    ]);
  });

  it("-t stamps each line with its entry's own time, Docker's RFC 3339 nano", async () => {
    const chunks = await chunksOf(await logOf(sample()), { timestamps: true });
    expect(chunks.map((c) => c.text).join('')).toBe(
      `${stamp(0)} out 1\n${stamp(10)} err 1\n${stamp(20)} out 2\n${stamp(20)} out 3\n${stamp(1000)} err 2\n` +
        `${stamp(2000)} no newline`,
    );
  });

  it('a partial entry goes on in the next one of its stream, stamped once', async () => {
    const file = await logOf(
      formatLogEntry(at(0), 'stdout', 'half ') +
        formatLogEntry(at(5), 'stderr', 'e\n') +
        formatLogEntry(at(9), 'stdout', 'whole\n'),
    );
    expect(await chunksOf(file, { timestamps: true })).toEqual([
      { stream: 'stdout', text: `${stamp(0)} half ` },
      { stream: 'stderr', text: `${stamp(5)} e\n` },
      { stream: 'stdout', text: 'whole\n' },
    ]);
  });

  it.each<[string, LogPageOptions, string]>([
    ['--since an entry time: from it on', { since: T0 + 20 }, 'out 2\nout 3\nerr 2\nno newline'],
    ['--since after everything: nothing', { since: T0 + 5000 }, ''],
    ['--until: up to the last line at or before it', { until: T0 + 999 }, 'out 1\nerr 1\nout 2\nout 3\n'],
    ['--tail 2: the last two entries', { tail: 2 }, 'err 2\nno newline'],
    ['--tail 0: nothing', { tail: 0 }, ''],
  ])('%s', async (_what, opts, want) => {
    const chunks = await chunksOf(await logOf(sample()), opts);
    expect(chunks.map((c) => c.text).join('')).toBe(want);
  });

  it('--until ends the read: the page says so and reports no more', async () => {
    const page = await readLogPage(await logOf(sample()), { until: T0 + 15 });
    expect(page.untilReached).toBe(true);
    expect(page.more).toBe(false);
  });

  it('small pages end at entry ends; a cursor resumes where one ended', async () => {
    const file = await logOf(sample());
    const whole = await chunksOf(file);
    expect(await chunksOf(file, {}, 60)).toEqual(whole);
  });

  it('an entry conmon is still writing (no line end yet) is held back', async () => {
    const text = formatLogEntry(at(0), 'stdout', 'done\n') + `${stamp(5)} stdout F not yet`;
    const page = await readLogPage(await logOf(text));
    expect(page.chunks).toEqual([{ stream: 'stdout', text: 'done\n' }]);
    expect(page.next).toBe(formatLogEntry(at(0), 'stdout', 'done\n').length);
  });

  it("the previous release's raw lines read as stdout, conmon's entries after them by stream", async () => {
    const file = await logOf(`old line\nold 2\n${formatLogEntry(at(0), 'stderr', 'new err\n')}`);
    expect(await chunksOf(file)).toEqual([
      { stream: 'stdout', text: 'old line\nold 2\n' },
      { stream: 'stderr', text: 'new err\n' },
    ]);
  });
});

describe('--tail over lines conmon cut where its reads ended', () => {
  it('counts lines, not entries: a line of several P entries and its F is one', async () => {
    const e = (stream: 'stdout' | 'stderr', tag: 'P' | 'F', text: string) => `${stamp(0)} ${stream} ${tag} ${text}\n`;
    const file = await logOf(
      e('stdout', 'F', 'first') +
        e('stdout', 'P', 'sec') +
        e('stdout', 'P', 'o') +
        e('stdout', 'F', 'nd') +
        e('stdout', 'P', 'thi') +
        e('stdout', 'F', 'rd'),
    );
    const text = async (tail: number) => (await chunksOf(file, { tail })).map((c) => c.text).join('');
    expect(await text(1)).toBe('third\n');
    expect(await text(2)).toBe('second\nthird\n');
    expect(await text(3)).toBe('first\nsecond\nthird\n');
    expect(await text(9)).toBe('first\nsecond\nthird\n');
    expect(await text(0)).toBe('');
  });
});
