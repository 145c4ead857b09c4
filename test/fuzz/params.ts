import fc from 'fast-check';

/**
 * Seeds and sizes of the fuzz targets. Each run picks a seed and prints it; a failure names it (fast-check's
 * "seed: …, path: …" line, or the sampled targets' `FUZZ_SEED=… FUZZ_CASE=…`), and replays with:
 * - FUZZ_SEED=<seed>: the same cases again;
 * - FUZZ_PATH=<path> (with the seed, fc.assert targets): only the counterexample fast-check reported;
 * - FUZZ_CASE=<index> (with the seed, sampled targets): only that case;
 * - FUZZ_RUNS=<n>: n cases per target instead of each target's default. In CI (CI set) a target never runs
 *   fewer than CI_MIN_RUNS.
 */
export interface FuzzParams {
  seed: number;
  numRuns: number;
  /** fast-check's path of a counterexample to replay alone */
  path?: string;
  /** the index of a sampled case to replay alone */
  only?: number;
}

/** Issue 28: at least this many cases per target in CI. */
export const CI_MIN_RUNS = 1000;

const intFromEnv = (name: string): number | undefined => {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number.parseInt(v, 10);
  if (!Number.isSafeInteger(n) || String(n) !== v.trim()) throw new Error(`${name}=${v} is not an integer`);
  return n;
};

const inCi = () => process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

/**
 * `spotCheckOf`: this is not a target of its own but a few cases of one that runs its thousands in process (the
 * real CLI binary, one process a case, for the in-process flag target): exempt from CI_MIN_RUNS.
 */
export function fuzzParams(target: string, defaultRuns: number, spotCheckOf?: string): FuzzParams {
  const seed = intFromEnv('FUZZ_SEED') ?? (Math.random() * 0x7fffffff) | 0;
  let numRuns = intFromEnv('FUZZ_RUNS') ?? defaultRuns;
  if (spotCheckOf === undefined && inCi() && numRuns < CI_MIN_RUNS) numRuns = CI_MIN_RUNS;
  const path = process.env.FUZZ_PATH || undefined;
  const only = intFromEnv('FUZZ_CASE');
  const which =
    (path !== undefined ? `, only path ${path}` : only !== undefined ? `, only case #${only}` : '') +
    (spotCheckOf !== undefined ? `, a spot check of ${spotCheckOf}` : '');
  console.log(`[fuzz] ${target}: seed ${seed}, ${numRuns} cases${which} (FUZZ_SEED=${seed} replays them)`);
  return { seed, numRuns, ...(path !== undefined ? { path } : {}), ...(only !== undefined ? { only } : {}) };
}

/** The cases of a sampled target (run concurrently, outside fc.assert): all of them, or the one FUZZ_CASE names. */
export function sampleCases<T>(arb: fc.Arbitrary<T>, p: FuzzParams): T[] {
  const all = fc.sample(arb, { seed: p.seed, numRuns: p.numRuns });
  if (p.only === undefined) return all;
  if (p.only < 0 || p.only >= all.length) throw new Error(`FUZZ_CASE=${p.only}: there are ${all.length} cases`);
  return [all[p.only]!];
}

/** The failures of a sampled target, one line each, with the command that replays each alone. */
export function failureLines<T>(
  failures: ReadonlyArray<{ index: number; input: T; error: unknown }>,
  p: FuzzParams,
  describe: (input: T) => string = (input) => show(input),
): string[] {
  return failures.map((f) => {
    const index = p.only ?? f.index;
    const why = f.error instanceof Error ? f.error.message : String(f.error);
    return `#${index} ${describe(f.input)}: ${why} (replay: FUZZ_SEED=${p.seed} FUZZ_RUNS=${p.numRuns} FUZZ_CASE=${index})`;
  });
}

/** fc.assert's options for a target: its seed and size, the counterexample printed in full. */
export const assertOptions = (p: FuzzParams): fc.Parameters<unknown> => ({
  seed: p.seed,
  numRuns: p.numRuns,
  ...(p.path !== undefined ? { path: p.path } : {}),
  verbose: 1,
});

/**
 * Runs `check` over `cases` with at most `inFlight` at once (a property through Temporal is I/O-bound: one at a
 * time would take minutes); returns the failures with their index, input and error.
 */
export async function runConcurrently<T>(
  cases: readonly T[],
  inFlight: number,
  check: (c: T) => Promise<void>,
): Promise<Array<{ index: number; input: T; error: unknown }>> {
  const failures: Array<{ index: number; input: T; error: unknown }> = [];
  let next = 0;
  const lane = async () => {
    while (next < cases.length) {
      const index = next++;
      try {
        await check(cases[index]!);
      } catch (error) {
        failures.push({ index, input: cases[index]!, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, cases.length) }, lane));
  return failures.sort((a, b) => a.index - b.index);
}

/** A short printable form of a case (huge strings cut), for failure messages. */
export function show(v: unknown, max = 600): string {
  const text = JSON.stringify(v, (_k, x: unknown) =>
    typeof x === 'string' && x.length > 80 ? `${x.slice(0, 40)}…(${x.length} chars)` : x,
  );
  return text === undefined ? String(v) : text.length > max ? `${text.slice(0, max)}…` : text;
}
