import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * A real terminal for the interactive tests: a detached tmux session (its own server socket) running one
 * command, driven as a person would: keys typed, the screen read, the window resized.
 */

const run = promisify(execFile);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class TmuxTerminal {
  private constructor(
    private readonly server: string,
    private readonly name: string,
  ) {}

  /** Starts `command` (a shell line) in a rows × cols terminal; its exit status is printed as `EXIT=<n>`. */
  static async start(
    server: string,
    name: string,
    command: string,
    env: Record<string, string>,
    size = { rows: 24, cols: 80 },
  ): Promise<TmuxTerminal> {
    const exports = Object.entries(env)
      .map(([k, v]) => `export ${k}='${v}'; `)
      .join('');
    const line = `${exports}${command}; echo EXIT=$?; sleep 600`;
    await run('tmux', [
      '-L',
      server,
      'new-session',
      '-d',
      '-s',
      name,
      '-x',
      String(size.cols),
      '-y',
      String(size.rows),
      line,
    ]);
    return new TmuxTerminal(server, name);
  }

  /** Types `text` literally (no key names), then Enter unless `enter` is false. */
  async type(text: string, enter = true): Promise<void> {
    await run('tmux', ['-L', this.server, 'send-keys', '-t', this.name, '-l', text]);
    if (enter) await this.keys('Enter');
  }

  /** Sends tmux key names (`C-p`, `Enter`). */
  async keys(...keys: string[]): Promise<void> {
    await run('tmux', ['-L', this.server, 'send-keys', '-t', this.name, ...keys]);
  }

  async screen(): Promise<string> {
    const { stdout } = await run('tmux', ['-L', this.server, 'capture-pane', '-p', '-J', '-t', this.name]);
    return stdout;
  }

  /** Waits until the screen matches, returning the match; fails with the screen after `ms`. */
  async waitFor(re: RegExp, ms = 15_000): Promise<RegExpMatchArray> {
    const until = Date.now() + ms;
    for (;;) {
      const screen = await this.screen();
      const m = re.exec(screen);
      if (m) return m;
      if (Date.now() > until)
        throw new Error(`terminal ${this.name}: ${re} not seen within ${ms} ms; screen:\n${screen}`);
      await sleep(50);
    }
  }

  /** The exit status of the command, once it has ended. */
  async exitCode(ms = 15_000): Promise<number> {
    return Number((await this.waitFor(/EXIT=(\d+)/, ms))[1]);
  }

  async resize(rows: number, cols: number): Promise<void> {
    await run('tmux', ['-L', this.server, 'resize-window', '-t', this.name, '-x', String(cols), '-y', String(rows)]);
  }

  async close(): Promise<void> {
    await run('tmux', ['-L', this.server, 'kill-session', '-t', this.name]).catch(() => undefined);
  }

  /** Ends the tmux server of these sessions. */
  static async stopServer(server: string): Promise<void> {
    await run('tmux', ['-L', server, 'kill-server']).catch(() => undefined);
  }
}
