/** workflows/saga.ts: the compensation stack. */
import { describe, expect, it } from 'vitest';
import { Saga } from '../../workflows/saga';

type Step = { name: string; fails?: 'reject' | 'throw'; delayMs?: number };

function build(steps: Step[], log: string[]): Saga {
  const saga = new Saga();
  for (const s of steps) {
    saga.push(s.name, () => {
      log.push(`start ${s.name}`);
      if (s.fails === 'throw') throw new Error(`${s.name} broke`);
      return new Promise<void>((resolve, reject) =>
        setTimeout(() => {
          log.push(`end ${s.name}`);
          if (s.fails === 'reject') reject(new Error(`${s.name} broke`));
          else resolve();
        }, s.delayMs ?? 0),
      );
    });
  }
  return saga;
}

describe('Saga.compensate', () => {
  it.each<[string, Step[], string[], string[], Array<[string, string | undefined]>]>([
    ['empty saga', [], [], [], []],
    ['one step', [{ name: 'a' }], ['a'], [], [['a', undefined]]],
    [
      'reverse order',
      [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
      ['c', 'b', 'a'],
      [],
      [
        ['c', undefined],
        ['b', undefined],
        ['a', undefined],
      ],
    ],
    [
      'continues after a rejecting compensation',
      [{ name: 'a' }, { name: 'b', fails: 'reject' }, { name: 'c' }],
      ['c', 'a'],
      ['b'],
      [
        ['c', undefined],
        ['b', 'b broke'],
        ['a', undefined],
      ],
    ],
    [
      'continues after a synchronously throwing compensation',
      [{ name: 'a' }, { name: 'b', fails: 'throw' }],
      ['a'],
      ['b'],
      [
        ['b', 'b broke'],
        ['a', undefined],
      ],
    ],
    [
      'every compensation failing',
      [
        { name: 'a', fails: 'reject' },
        { name: 'b', fails: 'throw' },
      ],
      [],
      ['b', 'a'],
      [
        ['b', 'b broke'],
        ['a', 'a broke'],
      ],
    ],
  ])('%s', async (_what, steps, ran, failed, onDone) => {
    const log: string[] = [];
    const saga = build(steps, log);
    expect(saga.size).toBe(steps.length);
    const seen: Array<[string, string | undefined]> = [];
    const outcome = await saga.compensate((name, error) =>
      seen.push([name, error === undefined ? undefined : (error as Error).message]),
    );
    expect(outcome.ran).toEqual(ran);
    expect(outcome.failed.map((f) => f.name)).toEqual(failed);
    for (const f of outcome.failed) expect(f.error).toBeInstanceOf(Error);
    expect(seen).toEqual(onDone);
    expect(saga.size).toBe(0);
  });

  it('awaits each compensation before starting the next, even when a later one is faster', async () => {
    const log: string[] = [];
    const saga = build(
      [
        { name: 'a', delayMs: 0 },
        { name: 'b', delayMs: 30 },
      ],
      log,
    );
    await saga.compensate();
    expect(log).toEqual(['start b', 'end b', 'start a', 'end a']);
  });

  it('runs each compensation once: a second compensate does nothing', async () => {
    const log: string[] = [];
    const saga = build([{ name: 'a' }], log);
    await saga.compensate();
    expect(await saga.compensate()).toEqual({ ran: [], failed: [] });
    expect(log).toEqual(['start a', 'end a']);
  });

  it('works without an onDone callback and keeps the thrown value as is', async () => {
    const saga = new Saga();
    const boom = { code: 42 };
    saga.push('x', () => Promise.reject(boom));
    const outcome = await saga.compensate();
    expect(outcome.failed).toEqual([{ name: 'x', error: boom }]);
    expect(outcome.failed[0]!.error).toBe(boom);
  });

  it('a compensation pushed after compensate runs in the next compensate', async () => {
    const saga = new Saga();
    saga.push('a', async () => {});
    await saga.compensate();
    saga.push('b', async () => {});
    expect((await saga.compensate()).ran).toEqual(['b']);
  });
});

describe('Saga.compensateInRounds', () => {
  const first = (name: string) => name === 'p';

  it('runs the first ones alone, in reverse order, then every other at once', async () => {
    const log: string[] = [];
    const saga = build(
      [
        { name: 'a', delayMs: 20 },
        { name: 'b', delayMs: 5 },
        { name: 'c', delayMs: 10 },
        { name: 'p', delayMs: 10 },
      ],
      log,
    );
    const seen: string[] = [];
    const outcome = await saga.compensateInRounds(first, (name) => seen.push(name));
    // p ends before any other starts; the others all start before any of them ends
    expect(log.slice(0, 2)).toEqual(['start p', 'end p']);
    expect(log.slice(2, 5).sort()).toEqual(['start a', 'start b', 'start c']);
    expect(log.slice(5)).toEqual(['end b', 'end c', 'end a']);
    // reported in reverse order of pushing, not in the order they ended
    expect(outcome.ran).toEqual(['p', 'c', 'b', 'a']);
    expect(seen).toEqual(['p', 'c', 'b', 'a']);
    expect(saga.size).toBe(0);
  });

  it('runs every one even when some fail (synchronously or not), the first one included', async () => {
    const log: string[] = [];
    const saga = build(
      [{ name: 'a' }, { name: 'b', fails: 'throw' }, { name: 'c', fails: 'reject' }, { name: 'p', fails: 'reject' }],
      log,
    );
    const seen: Array<[string, string | undefined]> = [];
    const outcome = await saga.compensateInRounds(first, (name, error) =>
      seen.push([name, error === undefined ? undefined : (error as Error).message]),
    );
    expect(outcome.ran).toEqual(['a']);
    expect(outcome.failed.map((f) => f.name)).toEqual(['p', 'c', 'b']);
    expect(seen).toEqual([
      ['p', 'p broke'],
      ['c', 'c broke'],
      ['b', 'b broke'],
      ['a', undefined],
    ]);
  });

  it('passes each one through `around`, which may decline it', async () => {
    const saga = build([{ name: 'a' }, { name: 'p' }], []);
    const outcome = await saga.compensateInRounds(first, undefined, async (name, undo) => {
      if (name === 'a') throw new Error('declined');
      return undo();
    });
    expect(outcome.ran).toEqual(['p']);
    expect(outcome.failed.map((f) => [f.name, (f.error as Error).message])).toEqual([['a', 'declined']]);
  });

  it('with nothing picked first, all at once; with an empty stack, nothing', async () => {
    const log: string[] = [];
    const saga = build([{ name: 'a', delayMs: 10 }, { name: 'b' }], log);
    expect((await saga.compensateInRounds(() => false)).ran).toEqual(['b', 'a']);
    expect(log.slice(0, 2).sort()).toEqual(['start a', 'start b']);
    expect(await saga.compensateInRounds(first)).toEqual({ ran: [], failed: [] });
  });
});
