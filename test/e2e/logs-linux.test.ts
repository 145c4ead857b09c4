import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect } from 'vitest';
import { createContainer, inspect, startContainer } from '../../client/api';
import type { CreateRequest } from '../../common/types';
import { cli } from '../harness';
import { linuxSuite, testNetwork } from '../linux-fixture';

// logs with real containers: the container writes container.log itself (no process of ours in between); the
// monitor's poll samples when its bytes appeared (-t, --since) and rotates it past max-size (copy-then-truncate).
// Needs root: without it every test FAILS with the reason (CI runs as root).

const NET = testNetwork('e2e/logs-linux');
const suite = linuxSuite('cs-logs-linux', NET);
const rootIt = suite.it;

async function runToExit(req: CreateRequest, timeoutMs = 30_000): Promise<string> {
  const { Id } = await createContainer(suite.w.session, req);
  await startContainer(suite.w.session, Id);
  const until = Date.now() + timeoutMs;
  while ((await inspect(suite.w.session, Id)).State.Running) {
    if (Date.now() > until) throw new Error(`${req.name} still runs after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Id;
}

const STAMPED = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z) (.*)$/;

describe('logs of real containers (Linux driver)', () => {
  rootIt("-t: lines printed over 2 s carry increasing times; --since cuts at a line's time", async () => {
    const before = Date.now();
    await runToExit({
      name: 'clock',
      image: 'busybox',
      cmd: ['sh', '-c', 'for i in 1 2 3 4 5; do echo line $i; sleep 0.5; done'],
    });
    const stamped = await cli(suite.w, ['logs', '-t', 'clock']);
    expect(stamped.code, stamped.stderr).toBe(0);
    const lines = stamped.stdout
      .trimEnd()
      .split('\n')
      .map((l) => STAMPED.exec(l));
    expect(lines.map((m) => m?.[2])).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
    const times = lines.map((m) => Date.parse(m![1]!));
    for (let i = 1; i < times.length; i++) {
      // 0.5 s apart, sampled every 100 ms: each later by about that much
      expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(250);
      expect(times[i]! - times[i - 1]!).toBeLessThan(1500);
    }
    expect(times[0]!).toBeGreaterThanOrEqual(before - 1000);
    expect(times[4]! - times[0]!).toBeGreaterThanOrEqual(1500);

    // --since the third line's time: from it on (the second appeared half a second before)
    const since = await cli(suite.w, ['logs', '--since', lines[2]![1]!, 'clock']);
    expect([since.code, since.stdout]).toEqual([0, 'line 3\nline 4\nline 5\n']);
    const unix = await cli(suite.w, ['logs', '--since', String(times[3]! / 1000), '-t', 'clock']);
    expect(unix.stdout).toBe(`${lines[3]![0]}\n${lines[4]![0]}\n`);
    expect((await cli(suite.w, ['logs', '--since', '1h', 'clock'])).stdout).toBe(
      'line 1\nline 2\nline 3\nline 4\nline 5\n',
    );
  });

  rootIt(
    'a container printing more than max-size keeps max-file files with its newest output, and logs reads them',
    async () => {
      // 500 lines of 100 bytes (50 KB) over a few seconds, with max-size 10k and max-file 3
      const script =
        'i=0; while [ $i -lt 500 ]; do printf "%05d %094d\\n" $i 0; i=$((i+1)); [ $((i % 10)) = 0 ] && sleep 0.05; done';
      const id = await runToExit({
        name: 'flood',
        image: 'busybox',
        cmd: ['sh', '-c', script],
        hostConfig: { LogConfig: { Type: 'json-file', Config: { 'max-size': '10k', 'max-file': '3' } } },
      });
      const log = suite.rt.driver.layout.log(id);
      const files = (await fs.readdir(path.dirname(log))).filter((f) => /^container\.log(\.\d+)?$/.test(f)).sort();
      expect(files).toEqual(['container.log', 'container.log.1', 'container.log.2']);
      for (const f of files) expect((await fs.stat(path.join(path.dirname(log), f))).size).toBeLessThan(20_000);

      const all = await cli(suite.w, ['logs', 'flood']);
      expect(all.code, all.stderr).toBe(0);
      const numbers = all.stdout
        .trimEnd()
        .split('\n')
        .map((l) => Number(l.slice(0, 5)));
      // the newest output, in order, ending with the last line; the oldest is gone
      expect(numbers.at(-1)).toBe(499);
      expect(numbers[0]!).toBeGreaterThan(100);
      for (let i = 1; i < numbers.length; i++) expect(numbers[i]!).toBeGreaterThan(numbers[i - 1]!);
      expect(Buffer.byteLength(all.stdout)).toBeLessThan(3 * 20_000);
      const tail = await cli(suite.w, ['logs', '--tail', '2', 'flood']);
      expect(tail.stdout.split('\n').map((l) => l.slice(0, 5))).toEqual(['00498', '00499', '']);
      const stamped = await cli(suite.w, ['logs', '-t', '-n', '3', 'flood']);
      expect(
        stamped.stdout
          .trimEnd()
          .split('\n')
          .every((l) => STAMPED.test(l)),
      ).toBe(true);
      expect((await inspect(suite.w.session, id)).HostConfig.LogConfig).toEqual({
        Type: 'json-file',
        Config: { 'max-size': '10k', 'max-file': '3' },
      });
    },
  );
});
