import fc from 'fast-check';

/**
 * Seeds and sizes of the fuzz targets. Each run picks a seed and prints it; a failure names it in the error
 * (fast-check's "seed: …, path: …" line), and FUZZ_SEED=<seed> replays the same cases. FUZZ_RUNS=<n> runs n
 * cases per target instead of each target's default (at least 1,000 in CI).
 */
export interface FuzzParams {
  seed: number;
  numRuns: number;
}

export function fuzzParams(target: string, defaultRuns: number): FuzzParams {
  const fromEnv = process.env.FUZZ_SEED;
  const seed =
    fromEnv !== undefined && fromEnv !== '' ? Number.parseInt(fromEnv, 10) : (Math.random() * 0x7fffffff) | 0;
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED=${fromEnv} is not an integer`);
  const numRuns = process.env.FUZZ_RUNS ? Number.parseInt(process.env.FUZZ_RUNS, 10) : defaultRuns;
  console.log(`[fuzz] ${target}: seed ${seed}, ${numRuns} cases (FUZZ_SEED=${seed} replays them)`);
  return { seed, numRuns };
}

/** fc.assert's options for a target: its seed and size, the counterexample printed in full. */
export const assertOptions = (p: FuzzParams): fc.Parameters<unknown> => ({
  seed: p.seed,
  numRuns: p.numRuns,
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
