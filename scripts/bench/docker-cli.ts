import { promises as fs } from 'node:fs';
import { run, toolOutput, type RunResult } from '../../runtime/drivers/linux/exec';

/**
 * Debian's docker client (docker.io, 20.10), by its path: /usr/local/bin may hold another one. Every call
 * names its daemon with -H and gets a private config directory and no DOCKER_* variables, so neither the
 * user's contexts nor ~/.docker take part.
 */
export const DOCKER_CLIENT = '/usr/bin/docker';

export class DockerCli {
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    readonly socketPath: string,
    configDir: string,
  ) {
    this.env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: configDir, DOCKER_CONFIG: configDir };
  }

  static async make(socketPath: string, configDir: string): Promise<DockerCli> {
    await fs.mkdir(configDir, { recursive: true, mode: 0o700 });
    return new DockerCli(socketPath, configDir);
  }

  /** The client's command line and environment, for a caller that runs it itself (on a pty: interactive.ts). */
  command(args: readonly string[]): { file: string; args: string[]; env: NodeJS.ProcessEnv } {
    return { file: DOCKER_CLIENT, args: ['-H', `unix://${this.socketPath}`, ...args], env: this.env };
  }

  run(args: readonly string[]): Promise<RunResult> {
    return run(DOCKER_CLIENT, ['-H', `unix://${this.socketPath}`, ...args], { env: this.env, timeoutMs: 120_000 });
  }

  /** Runs the command and returns its stdout, trimmed; throws with the client's message when it fails. */
  async ok(args: readonly string[]): Promise<string> {
    const r = await this.run(args);
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')} (on ${this.socketPath}): ${toolOutput(r)}`);
    return r.stdout.trim();
  }

  /** The wall-clock time of the whole command, from spawn to exit (what a user waits for). */
  async timed(args: readonly string[]): Promise<{ ms: number; stdout: string }> {
    const t0 = performance.now();
    const stdout = await this.ok(args);
    return { ms: performance.now() - t0, stdout };
  }
}
