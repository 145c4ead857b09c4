/** runtime/drivers/simulated/script.ts: the few commands a simulated process interprets. */
import { describe, expect, it } from 'vitest';
import { simScript, type SimScript } from '../../runtime/drivers/simulated/script';

describe('simScript', () => {
  it.each<[string, string[], SimScript | undefined]>([
    ['true', ['true'], { output: [], exitCode: 0 }],
    ['false', ['false'], { output: [], exitCode: 1 }],
    ['exit N', ['sh', '-c', 'exit 3'], { output: [], exitCode: 3 }],
    [
      'echo to each stream, then exit',
      ['sh', '-c', 'echo out; echo err >&2; exit 2'],
      {
        output: [
          { stream: 'stdout', text: 'out\n' },
          { stream: 'stderr', text: 'err\n' },
        ],
        exitCode: 2,
      },
    ],
    ['echo alone exits 0', ['sh', '-c', 'echo a b'], { output: [{ stream: 'stdout', text: 'a b\n' }], exitCode: 0 }],
    ['anything else runs on', ['sleep', '100'], undefined],
    ['a script with other commands runs on', ['sh', '-c', 'echo a; sleep 5'], undefined],
    ['exit before the end runs on (not interpreted)', ['sh', '-c', 'exit 1; echo a'], undefined],
    ['quotes are not interpreted', ['sh', '-c', 'echo "a"'], undefined],
  ])('%s', (_what, args, want) => {
    expect(simScript(args)).toEqual(want);
  });
});
