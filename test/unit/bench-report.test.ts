/** scripts/bench/report.ts: the floors' ratio and target verdicts, from a run's samples. */
import { describe, expect, it } from 'vitest';
import { buildResults, emptySamples, formatReport, type Part, type Samples } from '../../scripts/bench/report';

const BOTH: { driver: Part; temporal: Part } = { driver: { measured: true }, temporal: { measured: true } };

function results(samples: Partial<Samples>, floors = BOTH) {
  return buildResults({
    loadavgAtStart: [1, 1, 1],
    n: 3,
    driver: { kind: 'linux', reason: 'test' },
    docker: { measured: false, reason: 'not in this test' },
    api: { measured: false, reason: 'not in this test' },
    floors,
    samples: { ...emptySamples(), ...samples },
  });
}

const targetLine = (report: string, what: string) => report.split('\n').find((l) => l.includes(what));

describe('bench report: the floors', () => {
  it('judges the driver against the floor timed in the same run', () => {
    const met = results({ driverStart: [80, 84, 90], driverFloor: [60, 66, 70] });
    expect(met.ratios.driverOverFloor?.p50).toBeCloseTo(84 / 66, 5);
    expect(targetLine(formatReport(met), 'driver steps p50 / floor p50')).toMatch(
      /^ {2}met .*1\.27× \(target ≤ 1\.50×\)/,
    );

    const over = results({ driverStart: [100, 110, 120], driverFloor: [60, 66, 70] });
    expect(targetLine(formatReport(over), 'driver steps p50 / floor p50')).toMatch(/^ {2}NOT .*1\.67×/);
  });

  it('says the driver target is not measured when the floor was not timed, and why', () => {
    const r = results(
      { driverStart: [80, 84, 90] },
      { ...BOTH, driver: { measured: false, reason: 'needs the Linux driver' } },
    );
    const report = formatReport(r);
    expect(r.ratios.driverOverFloor).toBeUndefined();
    expect(targetLine(report, 'driver steps p50 / floor p50')).toMatch(/^ {2}\? .*not measured in this run/);
    expect(report).toContain('floors: the bare tools in a small child process (not measured: needs the Linux driver)');
  });

  it("prints Temporal's own floor beside the orchestration target", () => {
    const report = formatReport(
      results({
        sagaStart: [190, 200, 210],
        driverStart: [80, 84, 90],
        temporalEmpty: [25, 26, 30],
        temporalShape: [50, 56, 60],
      }),
    );
    expect(targetLine(report, 'orchestration: saga p50 − driver p50')).toMatch(/NOT .*116\.0 ms \(target ≤ 25\.0 ms\)/);
    expect(report).toContain(
      "(Temporal alone in this run: an empty workflow 26.0 ms, a start's 7 local activities as no-ops 56.0 ms p50)",
    );
    expect(report).toMatch(/Temporal floor: an empty workflow \(warm client\)\s+3\s+26\.0 ms/);
  });
});
