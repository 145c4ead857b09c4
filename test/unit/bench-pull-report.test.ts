/** scripts/bench/pull-report.ts: the pull section's table, ratios and target verdict, from a run's figures. */
import { describe, expect, it } from 'vitest';
import type { PullEngineResult, PullResult } from '../../scripts/bench/pull';
import { buildResults, emptySamples, formatReport } from '../../scripts/bench/report';
import { summarize } from '../../scripts/bench/stats';

const engine = (name: string, pulls: number[], extra: Partial<PullEngineResult> = {}): PullEngineResult => ({
  name,
  storage: `/tmp/${name}`,
  counts: 'test',
  measured: true,
  pull: summarize(pulls)!,
  siblingPull: summarize([500, 510, 520])!,
  disk: { before: 2e6, big: 107e6, sibling: 26e6 },
  runFlat: summarize([700, 740, 760])!,
  runMany: summarize([680, 690, 700])!,
  ...extra,
});

function report(engines: PullEngineResult[], only = true) {
  const pull: PullResult = {
    images: {
      big: 'r/big:1',
      sibling: 'r/big:2',
      many: 'r/many:1',
      bigBytes: 106e6,
      siblingTopBytes: 26.2e6,
      layers: 13,
    },
    n: 3,
    runN: 3,
    prepareMs: 4000,
    ms: 60000,
    engines,
  };
  return formatReport(
    buildResults({
      loadavgAtStart: [1, 1, 1],
      n: 3,
      driver: { kind: 'linux', reason: 'test' },
      docker: { measured: true },
      api: { measured: true },
      samples: emptySamples(),
      pull,
      ...(only ? { only: 'pull' as const } : {}),
    }),
  );
}

const line = (text: string, what: string) => text.split('\n').find((l) => l.includes(what));

describe('bench report: the pull section', () => {
  it("judges our pull p50 against dockerd's and prints both columns with their ratio", () => {
    const met = report([engine('dockerd', [2100, 2200, 2300]), engine('container-saga API', [1800, 1900, 2500])]);
    expect(line(met, 'docker pull of the ≥ 100 MB image')).toMatch(/^ {2}met .*0\.86× \(target ≤ 1\.00×\)/);
    expect(line(met, 'docker pull, 106.0 MB in 5 layers')).toMatch(/2200 ms +1900 ms +0\.86×$/);
    expect(line(met, 'disk added by its sibling')).toMatch(/26\.0 MB +26\.0 MB +1\.00×$/);
    // only the pull section: no latency tables, no other targets
    expect(met).not.toContain('saga start p50 / dockerd Engine API start p50');

    const over = report(
      [engine('dockerd', [2100, 2200, 2300]), engine('container-saga API', [3000, 3300, 3400])],
      false,
    );
    expect(line(over, 'docker pull of the ≥ 100 MB image')).toMatch(/^ {2}NOT .*1\.50×/);
    expect(over).toContain('saga start p50 / dockerd Engine API start p50');
  });

  it('says why our side was not measured, and leaves the target open', () => {
    const r = report([
      engine('dockerd', [2100, 2200, 2300]),
      { name: 'container-saga API', storage: '/s', counts: 'c', measured: false, reason: 'pull answered 501' },
    ]);
    expect(line(r, 'docker pull of the ≥ 100 MB image')).toMatch(/^ {2}\? .*not measured in this run/);
    expect(line(r, 'docker pull, 106.0 MB in 5 layers')).toMatch(/2200 ms +- +-$/);
    expect(r).toContain('not measured from there on: pull answered 501');
  });
});
