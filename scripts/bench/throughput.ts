import { pool, reportCleanup } from './pool';
import { percentiles, type Percentiles } from './stats';

/**
 * Throughput: a batch of n created containers started with `inFlight` starts at a time (each new one as soon
 * as one ends), timed from the first start issued to the last one answered. Creating them before and removing
 * them after is not timed. Several sides (the saga, dockerd) take turns at each level, as the rounds do.
 */
export interface Level {
  inFlight: number;
  n: number;
  wallMs: number;
  startsPerSecond: number;
  /** each start's own latency, client-observed */
  latency: Percentiles;
}

export interface ThroughputSide {
  name: string;
  create(): Promise<string>;
  start(id: string): Promise<unknown>;
  remove(id: string): Promise<unknown>;
}

export interface SideResult {
  name: string;
  levels: Level[];
  /** why it stopped early, if it did (levels measured until then are kept) */
  reason?: string;
}

/** At most this many creates or removes at once around a batch (not timed). */
const SETUP_IN_FLIGHT = 10;

async function batch(side: ThroughputSide, n: number, inFlight: number): Promise<Level> {
  const ids = await pool(Array.from({ length: n }), SETUP_IN_FLIGHT, () => side.create());
  try {
    const t0 = performance.now();
    const ms = await pool(ids, inFlight, async (id) => {
      const t = performance.now();
      await side.start(id);
      return performance.now() - t;
    });
    const wallMs = performance.now() - t0;
    return { inFlight, n, wallMs, startsPerSecond: (n * 1000) / wallMs, latency: percentiles(ms)! };
  } finally {
    await pool(ids, SETUP_IN_FLIGHT, (id) => side.remove(id).catch(reportCleanup(id)));
  }
}

/**
 * Every level for every side, the sides taking turns within a level. A side that fails is reported and left
 * out of the following levels; `stopping` ends the phase early (the bench is being torn down).
 */
export async function measureThroughput(
  sides: ThroughputSide[],
  levels: readonly number[],
  n: number,
  stopping: () => boolean,
): Promise<SideResult[]> {
  const results = sides.map((s) => ({ name: s.name, levels: [] as Level[] }) as SideResult);
  for (const inFlight of levels) {
    for (const [i, side] of sides.entries()) {
      const r = results[i]!;
      if (r.reason !== undefined) continue;
      if (stopping()) throw new Error('interrupted');
      try {
        r.levels.push(await batch(side, Math.max(n, inFlight), inFlight));
      } catch (err) {
        if (stopping()) throw err;
        r.reason = `failed at ${inFlight} in flight: ${err instanceof Error ? err.message : String(err)}`;
        console.error(`bench: throughput of ${side.name} ${r.reason}`);
      }
    }
  }
  return results;
}
