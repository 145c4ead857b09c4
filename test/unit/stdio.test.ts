import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatLogEntry } from '../../runtime/k8s-file';
import { DetachScanner, parseDetachKeys } from '../../runtime/stdio/detach-keys';
import { readStreamsPage } from '../../runtime/stdio/k8s-page';
import { tailLog } from '../../runtime/stdio/log-tail';

describe('detach keys (Docker --detach-keys)', () => {
  it.each([
    ['ctrl-p,ctrl-q', [16, 17]],
    ['ctrl-@,ctrl-a,ctrl-z,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_', [0, 1, 26, 27, 28, 29, 30, 31]],
    ['a,ctrl-x,DEL', [97, 24, 127]],
  ])('%s', (keys, bytes) => expect([...parseDetachKeys(keys)]).toEqual(bytes));

  it.each(['ctrl-', 'ctrl-1', 'ab', 'ctrl-p,,ctrl-q', 'shift-a'])("%s: moby's Unknown character", (keys) =>
    expect(() => parseDetachKeys(keys)).toThrow(/^Unknown character: '/),
  );

  it('holds back what may begin the sequence, passes it on when broken, detaches when complete', () => {
    const s = new DetachScanner(Buffer.from([16, 17]));
    expect(s.feed(Buffer.from('ab\x10'))).toEqual({ pass: Buffer.from('ab'), detached: false });
    // broken: the held ctrl-p goes on with the byte that broke it
    expect(s.feed(Buffer.from('c'))).toEqual({ pass: Buffer.from('\x10c'), detached: false });
    // ctrl-p ctrl-p: the first goes on, the second may begin the sequence
    expect(s.feed(Buffer.from('\x10\x10'))).toEqual({ pass: Buffer.from('\x10'), detached: false });
    // completed in the next chunk: nothing after it is passed
    expect(s.feed(Buffer.from('\x11after'))).toEqual({ pass: Buffer.from(''), detached: true });
  });
});

describe('k8s-file pages and tail', () => {
  const at = new Date('2026-01-02T03:04:05.678Z');
  const log = [
    formatLogEntry(at, 'stdout', 'one\ntw'),
    formatLogEntry(at, 'stderr', 'err\n'),
    formatLogEntry(at, 'stdout', 'o\n'),
  ].join('');

  it('a page splits the streams; a torn last entry waits for the next read', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-stdio-'));
    try {
      const file = path.join(dir, 'log');
      expect(await readStreamsPage(file, 0, 1024)).toEqual({ stdout: '', stderr: '', next: 0, more: false });
      await fs.writeFile(file, log + '2026-01-02T03:04:05.678000000Z stdout F tor');
      const page = await readStreamsPage(file, 0, 1024);
      expect(page).toEqual({ stdout: 'one\ntwo\n', stderr: 'err\n', next: Buffer.byteLength(log), more: false });
      // a small limit: whole entries only, and `more`
      const first = await readStreamsPage(file, 0, 60);
      expect([first.stdout, first.stderr, first.more]).toEqual(['one\n', '', true]);
      const rest = await readStreamsPage(file, first.next, 1024);
      expect([rest.stdout, rest.stderr]).toEqual(['two\n', 'err\n']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('the tail sends entries as they are written, then the rest once the process has ended', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-stdio-'));
    try {
      const file = path.join(dir, 'log');
      let end!: () => void;
      const until = new Promise<void>((r) => (end = r));
      const seen: string[] = [];
      let first!: () => void;
      const gotFirst = new Promise<void>((r) => (first = r));
      const tail = tailLog(file, {
        from: 0,
        until,
        onEntries: async (entries) => {
          seen.push(...entries.map((e) => `${e.stream}:${e.text}`));
          first();
        },
      });
      // the file does not exist yet: its creation is seen
      await fs.writeFile(file, formatLogEntry(at, 'stdout', '$ '));
      await gotFirst;
      expect(seen).toEqual(['stdout:$ ']);
      await fs.appendFile(file, formatLogEntry(at, 'stderr', 'bye\n'));
      end();
      const pos = await tail;
      expect(seen).toEqual(['stdout:$ ', 'stderr:bye\n']);
      expect(pos).toBe((await fs.stat(file)).size);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
