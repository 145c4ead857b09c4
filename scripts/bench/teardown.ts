/**
 * The bench's undo list: every resource it makes (dev server, dockerd, network namespace, temp dirs, child
 * processes) registers how to undo it right after it exists. The steps run last-in first-out, once, when the
 * bench ends, fails, or gets SIGINT/SIGTERM/SIGHUP (Ctrl-C); a step that fails is reported and the rest
 * still run.
 */
export class Teardown {
  private readonly steps: { what: string; undo: () => Promise<void> }[] = [];
  private running: Promise<void> | undefined;
  /** The signal that stopped the bench, if one did. */
  signal: NodeJS.Signals | undefined;
  private readonly onSignal = (signal: NodeJS.Signals) => {
    if (this.running) {
      console.error(`bench: ${signal}: still cleaning up`);
      return;
    }
    this.signal = signal;
    console.error(`bench: ${signal}: cleaning up before exiting`);
    void this.run().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };

  /** Runs the steps on SIGINT, SIGTERM and SIGHUP (instead of Node's default: exit at once, leaving them). */
  trapSignals(): void {
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, this.onSignal);
  }

  add(what: string, undo: () => Promise<void>): void {
    if (this.running) throw new Error(`bench: ${what}: made while cleaning up`);
    this.steps.push({ what, undo });
  }

  /** True once the steps run: work still under way should stop rather than report what fails. */
  get stopping(): boolean {
    return this.running !== undefined;
  }

  /** Runs every step (the same promise for every caller). */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (let step = this.steps.pop(); step; step = this.steps.pop()) {
        try {
          await step.undo();
        } catch (err) {
          console.error(`bench: cleanup: ${step.what}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    })();
    return this.running;
  }
}
