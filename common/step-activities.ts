import { HOST_STEPS, RECORD_STEPS, type StartStepName, type Summary } from './steps';

/** What the start's activity of a given type does: its step, the kind of work, its Web UI summary. */
export interface StartActivityEntry {
  step: StartStepName;
  kind: 'acquire' | 'release' | 'record';
  summary: Summary;
}

/** Every activity of the start with its step and Web UI summary, from both tables. */
export const START_ACTIVITIES: ReadonlyMap<string, StartActivityEntry> = new Map<string, StartActivityEntry>([
  ...HOST_STEPS.map((s): [string, StartActivityEntry] => [
    s.activity,
    { step: s.name, kind: 'acquire', summary: s.summary },
  ]),
  ...HOST_STEPS.flatMap(
    (s): Array<[string, StartActivityEntry]> =>
      'releaseActivity' in s
        ? [[s.releaseActivity, { step: s.release, kind: 'release', summary: s.releaseSummary }]]
        : [],
  ),
  ...RECORD_STEPS.flatMap((s) =>
    Object.entries(s.activities).map(([a, summary]): [string, StartActivityEntry] => [
      a,
      { step: s.name, kind: 'record', summary },
    ]),
  ),
]);
