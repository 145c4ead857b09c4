import type { Part } from './report';
import type { Teardown } from './teardown';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Runs f for every engine still measured, in turn; a failure turns that engine off with the reason (the section
 * goes on with the others), an interruption stops it all. The pull and network sections take turns this way.
 */
export async function inTurn<S extends { e: { name: string }; r: Part }>(
  sides: readonly S[],
  teardown: Teardown,
  section: string,
  f: (s: S) => Promise<void>,
): Promise<void> {
  for (const s of sides) {
    if (teardown.stopping) throw new Error('interrupted');
    if (!s.r.measured) continue;
    try {
      await f(s);
    } catch (err) {
      if (teardown.stopping) throw err;
      Object.assign(s.r, { measured: false, reason: message(err) });
      console.error(`bench: ${section}, ${s.e.name}: ${message(err)}`);
    }
  }
}
