/**
 * Runs `f` on every item with at most `limit` calls in flight; resolves once all have settled, failing with the first
 * error.
 */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  f: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  let failed: { err: unknown } | undefined;
  const lane = async () => {
    while (next < items.length && !failed) {
      const i = next++;
      try {
        out[i] = await f(items[i]!, i);
      } catch (err) {
        failed ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failed) throw failed.err;
  return out;
}

/**
 * For a removal after a measurement: a failure is printed, and the other removals go on (the teardown removes what is
 * left).
 */
export function reportCleanup(id: string): (err: unknown) => void {
  return (err) =>
    console.error(`bench: cannot remove ${id.slice(0, 12)}: ${err instanceof Error ? err.message : String(err)}`);
}
