import type { StepHooks } from '../../runtime/step-hooks';

/** One call of a host step or release, by this process's clock (ms since the epoch, sub-ms precision). */
export interface StepCall {
  point: string;
  from: number;
  to: number;
  ok: boolean;
}

const now = () => performance.timeOrigin + performance.now();

/**
 * Times the runtime's host steps and releases by the worker's own clock (the bench's workers run in its
 * process), through the runtime's hooks around each call. Those steps are local activities
 * inside one workflow task, and the history gives them no times of their own (a local activity's marker is
 * written when its task completes; the completion time in it runs ahead of when the call returned).
 */
export class StepClock {
  private readonly calls = new Map<string, StepCall[]>();

  /** Hooks that time each call, and whatever hooks run inside them (the fault hooks: worker/create.ts withFaults). */
  hooks(): StepHooks {
    return {
      around: async (point, id, ctx, call) => {
        const from = now();
        let ok = false;
        try {
          const value = await call();
          ok = true;
          return value;
        } finally {
          this.calls.set(id, [...(this.calls.get(id) ?? []), { point, from, to: now(), ok }]);
        }
      },
    };
  }

  /** Forgets every call timed so far. */
  clear(): void {
    this.calls.clear();
  }

  /** The calls made for one container, in the order they began; forgotten once taken. */
  take(id: string): StepCall[] {
    const calls = this.calls.get(id) ?? [];
    this.calls.delete(id);
    return calls.sort((a, b) => a.from - b.from);
  }
}
