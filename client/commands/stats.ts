import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { list } from '../api';
import type { CliContext } from '../context';
import { formatTable, printJson, writeOut } from '../output';
import { statsOnce, statsSample, STATS_INTERVAL_MS } from '../resource-api';
import { STATS_HEAD, statsRow } from '../stats-format';
import { withPrevious, type DockerStats } from '../../common/stats-api';

/**
 * docker stats [CONTAINER...]: the running containers (all of them with -a) or those named, Docker's table
 * redrawn every second, or printed once with --no-stream (each sample a second after the one before it, so the
 * CPU % is over that second). --json prints the samples as the Engine API gives them.
 */
export function registerStats(program: Command, ctx: CliContext): void {
  program
    .command('stats')
    .description('Display a live stream of container(s) resource usage statistics')
    .argument('[containers...]')
    .option('-a, --all', 'show all containers (default shows just running)')
    .option('--no-stream', 'disable streaming stats and only pull the first result')
    .option('--json', 'print the samples (Docker field names) as a JSON array')
    .action(async (refs: string[], flags: { all?: boolean; stream: boolean; json?: boolean }) => {
      const s = await ctx.session();
      const names = refs.length > 0 ? refs : (await list(s, Boolean(flags.all))).map((c) => c.Id);
      if (!flags.stream) {
        const samples = await Promise.all(names.map((n) => statsOnce(s, n)));
        if (flags.json) printJson(samples);
        else await writeOut(formatTable(STATS_HEAD, samples.map(statsRow)));
        return;
      }
      const previous = new Map<string, DockerStats>();
      for (;;) {
        const samples = await Promise.all(
          names.map(async (n) => withPrevious(await statsSample(s, n), previous.get(n))),
        );
        names.forEach((n, i) => previous.set(n, samples[i]!));
        // Docker's CLI clears the screen and redraws the table in place
        if (flags.json) await writeOut(`${JSON.stringify(samples)}\n`);
        else await writeOut(`\x1b[2J\x1b[H${formatTable(STATS_HEAD, samples.map(statsRow))}`);
        await sleep(STATS_INTERVAL_MS);
      }
    });
}
