/**
 * runtime/removed-logs.ts through the HostRuntime: an AutoRemove container's output outlives it a while, by full ID.
 */
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { REMOVED_LOG_KEEP_MS, sweepRemovedLogs } from '../../runtime/removed-logs';
import type { SimulatedRuntime } from '../../runtime/simulated-runtime';
import { simulatedRuntime } from '../runtimes';
import { expectError, rejected, tempDirEach } from './helpers';
import { pageText } from '../../runtime/logs';

const root = tempDirEach('removed-logs');
let rt: SimulatedRuntime;

beforeEach(() => {
  rt = simulatedRuntime(root.path);
});

async function withLog(name: string, text: string): Promise<string> {
  const { Id } = await rt.create({ image: 'busybox', name, cmd: ['sleep', '1000'], hostConfig: { AutoRemove: true } });
  const log = rt.driver.layout.log(Id);
  await mkdir(path.dirname(log), { recursive: true });
  await writeFile(log, text);
  return Id;
}

describe('the log of a container removed after its exit', () => {
  it('is read from where a reader was, by full ID, after the removal; not by name, and not after a plain rm', async () => {
    const id = await withLog('gone', 'one\ntwo\n');
    const first = await rt.logPage(id, { limit: 4 });
    expect(pageText(first)).toBe('one\n');

    await rt.keepLogForReaders(id);
    // moved aside, the container not yet removed: the same cursor goes on (no restart from 0)
    expect(pageText(await rt.logPage(id, { cursor: first.next }))).toBe('two\n');
    await rt.remove(id, true);
    expect(await rt.logPage(id, { cursor: first.next })).toEqual({
      chunks: [{ stream: 'stdout', text: 'two\n' }],
      next: 8,
      more: false,
    });
    expectError(await rejected(rt.logPage('gone')), { type: 'NoSuchContainer', message: 'No such container: gone' });

    const plain = await withLog('plain', 'x\n');
    await rt.remove(plain, true);
    expectError(await rejected(rt.logPage(plain)), { type: 'NoSuchContainer', message: `No such container: ${plain}` });
  });

  it('goes after REMOVED_LOG_KEEP_MS (swept by the next keep and by gc)', async () => {
    const id = await withLog('old', 'x\n');
    await rt.keepLogForReaders(id);
    await rt.remove(id, true);
    const dir = path.join(root.path, 'removed-logs', id);
    expect(await sweepRemovedLogs(root.path)).toBe(0);
    const past = new Date(Date.now() - REMOVED_LOG_KEEP_MS - 1000);
    await utimes(dir, past, past);
    await rt.gc(async () => false);
    expect(await readdir(path.join(root.path, 'removed-logs'))).toEqual([]);
    expectError(await rejected(rt.logPage(id)), { type: 'NoSuchContainer', message: `No such container: ${id}` });
  });
});
