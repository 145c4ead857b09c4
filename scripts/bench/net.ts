import { run, toolOutput } from '../../runtime/drivers/linux/exec';
import { netnsPath } from './netns';
import type { DockerCli } from './docker-cli';
import type { Part } from './report';
import { summarize, type Summary } from './stats';
import type { Teardown } from './teardown';
import { inTurn } from './in-turn';

/**
 * The networking section: the same docker CLI against dockerd's socket and ours, the engines taking turns within
 * each round (NET_N rounds after one warm-up), each container created beforehand and removed after:
 *   - `docker start` of a container on the default bridge (the baseline of this section's conditions);
 *   - `docker start` of one on a user-defined network (`docker network create` once per engine);
 *   - `docker start` of one with a published port (`-p PORT:8080`, busybox httpd serving /etc), and the time from
 *     the start's beginning until the port answers an HTTP GET (curl polled from where the engine
 *     publishes: dockerd's own netns at its bridge address, our host's loopback).
 */
const NET_N = Number(process.env.BENCH_NET_N || 10);
const NETWORK = 'cs-bench-net';
const CONTAINER_PORT = 8080;
/** a host port per engine, away from the ephemeral range */
const HOST_PORTS: Record<string, number> = { dockerd: 18080, 'container-saga API': 18081 };

export interface NetEngine {
  name: string;
  cli: DockerCli;
  /** where the published port is reached: a netns (dockerd's) and the address there, or the host's loopback */
  reach: { netns?: string; address: string };
}

export interface NetEngineResult extends Part {
  name: string;
  plain?: Summary;
  userNetwork?: Summary;
  published?: Summary;
  answers?: Summary;
}

export interface NetResult {
  n: number;
  ms: number;
  engines: NetEngineResult[];
}

export function checkNetSettings(): void {
  if (!Number.isInteger(NET_N) || NET_N < 1)
    throw new Error(`BENCH_NET_N must be a whole number, 1 or more (got "${process.env.BENCH_NET_N}")`);
}

/** Polls the published port with curl until it answers; ms since t0. */
async function untilAnswers(e: NetEngine, port: number, t0: number): Promise<number> {
  const url = `http://${e.reach.address}:${port}/hostname`;
  const curl = ['/usr/bin/curl', '-fsS', '-m', '1', url];
  const [file, args] = e.reach.netns
    ? ['nsenter', [`--net=${netnsPath(e.reach.netns)}`, '--', ...curl]]
    : [curl[0]!, curl.slice(1)];
  for (;;) {
    const r = await run(file, args);
    if (r.code === 0 && r.stdout.trim()) return performance.now() - t0;
    if (performance.now() - t0 > 10_000) throw new Error(`${url} did not answer within 10 s: ${toolOutput(r)}`);
  }
}

export async function measureNet(o: { teardown: Teardown; image: string; engines: NetEngine[] }): Promise<NetResult> {
  const t0 = performance.now();
  const sides = o.engines.map((e) => ({
    e,
    r: { name: e.name, measured: true } as NetEngineResult,
    samples: { plain: [] as number[], user: [] as number[], published: [] as number[], answers: [] as number[] },
  }));
  const each = (f: (s: (typeof sides)[number]) => Promise<void>) => inTurn(sides, o.teardown, 'network section', f);

  /** create (untimed), the timed start, then `after` and the removal */
  const startOf = async (cli: DockerCli, create: string[], after?: (id: string, began: number) => Promise<void>) => {
    const id = await cli.ok(['create', ...create]);
    try {
      const began = performance.now();
      const { ms } = await cli.timed(['start', id]);
      await after?.(id, began);
      return ms;
    } finally {
      await cli.run(['rm', '-f', id]);
    }
  };
  await each(async (s) => {
    await s.e.cli.run(['network', 'rm', NETWORK]);
    await s.e.cli.ok(['network', 'create', NETWORK]);
    o.teardown.add(
      `docker network rm ${NETWORK} (${s.e.name})`,
      async () => void (await s.e.cli.run(['network', 'rm', NETWORK])),
    );
  });
  for (let i = -1; i < NET_N; i++)
    await each(async (s) => {
      const port = HOST_PORTS[s.e.name] ?? 18090;
      const plain = await startOf(s.e.cli, [o.image, 'sleep', '1000']);
      const user = await startOf(s.e.cli, ['--network', NETWORK, o.image, 'sleep', '1000']);
      let answers = 0;
      const published = await startOf(
        s.e.cli,
        ['-p', `${port}:${CONTAINER_PORT}`, o.image, 'httpd', '-f', '-p', String(CONTAINER_PORT), '-h', '/etc'],
        async (_id, began) => void (answers = await untilAnswers(s.e, port, began)),
      );
      if (i < 0) return;
      s.samples.plain.push(plain);
      s.samples.user.push(user);
      s.samples.published.push(published);
      s.samples.answers.push(answers);
    });
  // every engine's, measured to the end or not: a network left behind would keep its bridge
  for (const s of sides) await s.e.cli.run(['network', 'rm', NETWORK]);
  for (const { r, samples } of sides) {
    const put = (k: 'plain' | 'userNetwork' | 'published' | 'answers', xs: number[]) => {
      const v = summarize(xs);
      if (v) r[k] = v;
    };
    put('plain', samples.plain);
    put('userNetwork', samples.user);
    put('published', samples.published);
    put('answers', samples.answers);
  }
  return { n: NET_N, ms: performance.now() - t0, engines: sides.map((s) => s.r) };
}
