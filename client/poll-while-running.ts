import { setTimeout as sleep } from 'node:timers/promises';

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * A workflow's result, with its progress read every `ms` and shown while it runs; without `show` nothing is
 * read (each read costs the worker a query). A read the result overtakes is dropped.
 */
export async function pollWhileRunning<T, V>(
  result: Promise<T>,
  read: () => Promise<V | undefined>,
  show: ((v: V) => void) | undefined,
  ms: number,
): Promise<Outcome<T>> {
  let settled = false;
  const outcome: Promise<Outcome<T>> = result.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  void outcome.then(() => (settled = true));
  while (!settled && show) {
    const v = await Promise.race([read(), outcome.then(() => undefined)]);
    if (v !== undefined && !settled) show(v);
    await Promise.race([sleep(ms), outcome]);
  }
  return outcome;
}
