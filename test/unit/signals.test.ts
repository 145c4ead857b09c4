import { describe, expect, it } from 'vitest';
import { DEFAULT_KILL_SIGNAL, endsByDefault, parseSignal, SIGNALS } from '../../common/signals';
import { parseExec } from '../../client/parse-exec';
import { expectError, thrown } from './helpers';

describe("parseSignal: Docker's ParseSignal and ValidSignalForPlatform (Linux)", () => {
  it.each<[string, number]>([
    ['KILL', 9],
    ['SIGKILL', 9],
    ['kill', 9],
    ['sigterm', 15],
    ['TERM', 15],
    ['HUP', 1],
    ['USR1', 10],
    ['USR2', 12],
    ['9', 9],
    ['15', 15],
    ['64', 64],
    ['RTMIN', 34],
    ['RTMIN+3', 37],
    ['RTMAX-1', 63],
    ['RTMAX', 64],
    ['SIGWINCH', 28],
    ['IOT', 6],
  ])('%s → %d', (raw, n) => expect(parseSignal(raw)).toBe(n));

  it.each<[string, string]>([
    ['FOO', 'Invalid signal: FOO'],
    ['SIGFOO', 'Invalid signal: SIGFOO'],
    ['0', 'Invalid signal: 0'],
    ['', 'Invalid signal: '],
    ['9x', 'Invalid signal: 9x'],
    ['65', 'the linux daemon does not support signal 65'],
    ['-1', 'the linux daemon does not support signal -1'],
  ])('%j is refused (400): %s', (raw, message) => {
    expectError(
      thrown(() => parseSignal(raw)),
      { type: 'InvalidParameter', message },
    );
  });

  it('the map has the 31 classic signals and the 31 real-time ones; the default is SIGKILL', () => {
    expect(new Set(Object.values(SIGNALS)).size).toBe(62);
    expect(DEFAULT_KILL_SIGNAL).toBe(SIGNALS.KILL);
  });

  it('which signals end a process without a handler', () => {
    expect([9, 15, 1, 2, 10].every(endsByDefault)).toBe(true);
    expect([17, 18, 19, 20, 28].some(endsByDefault)).toBe(false);
  });
});

describe('parseExec: flags → exec request', () => {
  it('-e K=V as given, -e K from this environment or bare, -w', () => {
    expect(
      parseExec({ env: ['A=1', 'FROM_HERE', 'UNSET'], workdir: '/tmp' }, 'web', ['env'], { FROM_HERE: 'x' }),
    ).toEqual({
      container: 'web',
      cmd: ['env'],
      env: ['A=1', 'FROM_HERE=x', 'UNSET'],
      workingDir: '/tmp',
    });
    expect(parseExec({ env: [] }, 'web', ['ls', '-l'])).toEqual({ container: 'web', cmd: ['ls', '-l'] });
  });

  it('a malformed -e is a usage error (125)', () => {
    let caught: unknown;
    try {
      parseExec({ env: ['=x'] }, 'web', ['ls']);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({
      origin: 'usage',
      exitCode: 125,
      message: expect.stringMatching(/^invalid argument "=x" for "-e, --env" flag/),
    });
  });
});
