/**
 * A compensation stack. Each compensation is pushed just before its step runs, so a step that did its side
 * effect but lost its report (timeout, crash) is still undone; every compensation must therefore be
 * idempotent and safe when its step never ran. compensate() runs them in reverse, each one even if an
 * earlier one failed (teardown collects errors, it never stops at the first), and reports both lists.
 */
export interface CompensationOutcome {
  ran: string[];
  failed: Array<{ name: string; error: unknown }>;
}

export class Saga {
  private readonly stack: Array<{ name: string; undo: () => Promise<unknown> }> = [];

  push(name: string, undo: () => Promise<unknown>): void {
    this.stack.push({ name, undo });
  }

  get size(): number {
    return this.stack.length;
  }

  /**
   * Runs every pushed compensation in reverse order; onDone is called after each attempt, in order. `around`,
   * when given, runs each one (it may decline one by throwing instead of calling `undo`).
   */
  compensate(
    onDone?: (name: string, error?: unknown) => void,
    around?: (name: string, undo: () => Promise<unknown>) => Promise<unknown>,
  ): Promise<CompensationOutcome> {
    // one round only: every compensation is a "first" one, run one by one
    return this.compensateInRounds(() => true, onDone, around);
  }

  /**
   * compensate(), in two rounds: the compensations `first` picks, one by one in reverse order, then every
   * other at once (they must not need one another). Each still runs even if an earlier one failed; onDone is
   * called for the first ones as they end, then for the others in reverse order of pushing, whatever order they
   * end in (so a start's record lists the process's release, then the others as compensate() would).
   */
  async compensateInRounds(
    first: (name: string) => boolean,
    onDone?: (name: string, error?: unknown) => void,
    around?: (name: string, undo: () => Promise<unknown>) => Promise<unknown>,
  ): Promise<CompensationOutcome> {
    const outcome: CompensationOutcome = { ran: [], failed: [] };
    const all = this.stack.splice(0).reverse();
    const attempt = async ({ name, undo }: { name: string; undo: () => Promise<unknown> }) => {
      try {
        await (around ? around(name, undo) : undo());
        return { ok: true as const };
      } catch (error) {
        return { ok: false as const, error };
      }
    };
    const report = (name: string, r: { ok: true } | { ok: false; error: unknown }) => {
      if (r.ok) outcome.ran.push(name);
      else outcome.failed.push({ name, error: r.error });
      onDone?.(name, r.ok ? undefined : r.error);
    };
    for (const c of all.filter((x) => first(x.name))) report(c.name, await attempt(c));
    const rest = all.filter((x) => !first(x.name));
    const ended = await Promise.all(rest.map(attempt));
    rest.forEach((c, i) => report(c.name, ended[i]!));
    return outcome;
  }
}
