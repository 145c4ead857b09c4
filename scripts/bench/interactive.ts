import path from 'node:path';
import { run, toolOutput } from '../../runtime/drivers/linux/exec';
import type { DockerCli } from './docker-cli';
import { inTurn } from './in-turn';
import type { Part } from './report';
import { percentiles, summarize, type Percentiles, type Summary } from './stats';
import type { Teardown } from './teardown';

/**
 * The interactive section (issue 27): the same docker CLI against dockerd's socket and ours, on a pty of its own
 * as a person's terminal (pty-probe.py), the engines taking turns within each round (INTERACTIVE_N rounds after
 * one warm-up):
 *   - `docker run -it --rm IMAGE sh` until the shell's prompt reaches the terminal;
 *   - KEYS single keystrokes in that session, each until its echo is back (the pty's echo, through the engine's
 *     attach both ways);
 *   - `docker exec` of `true` in a running container.
 */
const INTERACTIVE_N = Number(process.env.BENCH_INTERACTIVE_N || 10);
const KEYS = 10;
const PROBE = path.join(__dirname, 'pty-probe.py');
/** busybox sh's prompt as root */
const PROMPT = '# ';

export interface InteractiveEngine {
  name: string;
  cli: DockerCli;
}

export interface InteractiveEngineResult extends Part {
  name: string;
  prompt?: Summary;
  echo?: Percentiles;
  exec?: Summary;
}

export interface InteractiveResult {
  n: number;
  ms: number;
  engines: InteractiveEngineResult[];
}

export function checkInteractiveSettings(): void {
  if (!Number.isInteger(INTERACTIVE_N) || INTERACTIVE_N < 1)
    throw new Error(`BENCH_INTERACTIVE_N must be a whole number, 1 or more (got "${process.env.BENCH_INTERACTIVE_N}")`);
}

interface ProbeResult {
  firstByte: number;
  prompt: number;
  echo: number[];
  code: number;
}

/** One `docker run -it` session on a pty: the time to the prompt and each keystroke's echo. */
async function session(cli: DockerCli, image: string): Promise<ProbeResult> {
  const c = cli.command(['run', '-it', '--rm', image, 'sh']);
  const r = await run('python3', [PROBE, String(KEYS), PROMPT, c.file, ...c.args], {
    env: { ...c.env, TERM: 'xterm' },
    timeoutMs: 60_000,
  });
  if (r.code !== 0) throw new Error(`pty-probe: ${toolOutput(r)}`);
  const out = JSON.parse(r.stdout.trim()) as ProbeResult;
  if (out.code !== 0) throw new Error(`docker run -it ended ${out.code} after exit`);
  return out;
}

export async function measureInteractive(o: {
  teardown: Teardown;
  image: string;
  engines: InteractiveEngine[];
}): Promise<InteractiveResult> {
  const t0 = performance.now();
  const sides = o.engines.map((e) => ({
    e,
    r: { name: e.name, measured: true } as InteractiveEngineResult,
    samples: { prompt: [] as number[], echo: [] as number[], exec: [] as number[], target: '' },
  }));
  const each = (f: (s: (typeof sides)[number]) => Promise<void>) => inTurn(sides, o.teardown, 'interactive section', f);
  await each(async (s) => {
    s.samples.target = await s.e.cli.ok(['run', '-d', o.image, 'sleep', '1000']);
    const id = s.samples.target;
    o.teardown.add(
      `docker rm -f ${id.slice(0, 12)} (${s.e.name})`,
      async () => void (await s.e.cli.run(['rm', '-f', id])),
    );
  });
  for (let i = -1; i < INTERACTIVE_N; i++)
    await each(async (s) => {
      const got = await session(s.e.cli, o.image);
      const { ms } = await s.e.cli.timed(['exec', s.samples.target, 'true']);
      if (i < 0) return;
      s.samples.prompt.push(got.prompt);
      s.samples.echo.push(...got.echo);
      s.samples.exec.push(ms);
    });
  for (const s of sides) if (s.samples.target) await s.e.cli.run(['rm', '-f', s.samples.target]);
  for (const { r, samples } of sides) {
    const prompt = summarize(samples.prompt);
    const echo = percentiles(samples.echo);
    const exec = summarize(samples.exec);
    Object.assign(r, prompt ? { prompt } : {}, echo ? { echo } : {}, exec ? { exec } : {});
  }
  return { n: INTERACTIVE_N, ms: performance.now() - t0, engines: sides.map((s) => s.r) };
}
