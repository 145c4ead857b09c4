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
  async compensate(onDone?: (name: string, error?: unknown) => void, around?: (name: string, undo: () => Promise<unknown>) => Promise<unknown>): Promise<CompensationOutcome> {
    const outcome: CompensationOutcome = { ran: [], failed: [] };
    while (this.stack.length > 0) {
      const { name, undo } = this.stack.pop()!;
      try {
        await (around ? around(name, undo) : undo());
        outcome.ran.push(name);
        onDone?.(name);
      } catch (error) {
        outcome.failed.push({ name, error });
        onDone?.(name, error);
      }
    }
    return outcome;
  }
}
