/** runtime/logs.ts: bounded pages of a log file, from a cursor or the last N lines. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOG_PAGE_MAX, pageEnd, readLogPage, type LogPageOptions, pageText } from '../../runtime/logs';
import { tempDirEach } from './helpers';

const tmp = tempDirEach('logs');

async function logOf(content: string | Buffer): Promise<string> {
  const file = path.join(tmp.path, 'container.log');
  await writeFile(file, content);
  return file;
}

/** Every page from the first (or `first`), concatenated, and how many pages it took. */
async function readAll(
  file: string,
  first: LogPageOptions = {},
  limit?: number,
): Promise<{ text: string; pages: number }> {
  let page = await readLogPage(file, { ...first, limit });
  let text = pageText(page);
  let pages = 1;
  while (page.more) {
    page = await readLogPage(file, { cursor: page.next, limit });
    text += pageText(page);
    pages++;
  }
  return { text, pages };
}

describe('readLogPage', () => {
  it('a missing log is empty', async () => {
    expect(await readLogPage(path.join(tmp.path, 'none.log'))).toEqual({ chunks: [], next: 0, more: false });
  });

  it('pages of a log far larger than one page concatenate to it, each within the cap', async () => {
    const lines = Array.from({ length: 40_000 }, (_, i) => `line ${i} ${'é€😀'.repeat(i % 7)}\n`).join('');
    const file = await logOf(lines);
    let page = await readLogPage(file);
    let text = '';
    let pages = 0;
    for (;;) {
      expect(Buffer.byteLength(pageText(page))).toBeLessThanOrEqual(LOG_PAGE_MAX);
      text += pageText(page);
      pages++;
      if (!page.more) break;
      // a page that stops before the end stops at a line end
      expect(pageText(page).endsWith('\n')).toBe(true);
      page = await readLogPage(file, { cursor: page.next });
    }
    expect(text).toBe(lines);
    expect(pages).toBeGreaterThan(Buffer.byteLength(lines) / LOG_PAGE_MAX);
  });

  it('never splits a UTF-8 sequence, even inside a line longer than a page', async () => {
    const long = '😀'.repeat(1000); // 4 bytes each, no line end
    const file = await logOf(long);
    const { text, pages } = await readAll(file, {}, 1001);
    expect(text).toBe(long);
    expect(pages).toBeGreaterThan(3);
  });

  it.each<[string, string, number, string]>([
    ['last 2 of 3 lines', 'a\nb\nc\n', 2, 'b\nc\n'],
    ['more lines than there are', 'a\nb\n', 10, 'a\nb\n'],
    ['0 lines', 'a\nb\n', 0, ''],
    ['a last line without its line end counts', 'a\nb\nc', 2, 'b\nc'],
    ['blank lines count', 'a\n\n\nb\n', 3, '\n\nb\n'],
    ['an empty log', '', 5, ''],
  ])('--tail: %s', async (_what, content, tail, want) => {
    expect((await readAll(await logOf(content), { tail })).text).toBe(want);
  });

  it('--tail across the 64 KiB chunks it reads backwards', async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `${i}\n`);
    const file = await logOf(lines.join(''));
    expect((await readAll(file, { tail: 25_000 })).text).toBe(lines.slice(-25_000).join(''));
  });

  it('a cursor at or past the end reads nothing more', async () => {
    const file = await logOf('abc\n');
    expect(await readLogPage(file, { cursor: 4 })).toEqual({ chunks: [], next: 4, more: false });
    expect(await readLogPage(file, { cursor: 99 })).toEqual({ chunks: [], next: 4, more: false });
  });
});

describe('pageEnd', () => {
  it.each<[string, Buffer, boolean, number]>([
    ['after the last line end when the log goes on', Buffer.from('ab\ncd'), true, 3],
    ['all of it at the end of the log', Buffer.from('ab\ncd'), false, 5],
    ['before an incomplete 3-byte sequence', Buffer.from([0x61, 0xe2, 0x82]), false, 1],
    ['through a complete 3-byte sequence', Buffer.from([0x61, 0xe2, 0x82, 0xac]), false, 4],
  ])('%s', (_what, buf, goesOn, want) => {
    expect(pageEnd(buf, goesOn)).toBe(want);
  });
});
