import type { Command } from 'commander';
import { pruneInput } from '../../api/convert/image-prune';
import { ApiError } from '../../api/http';
import { networkPruneInput } from '../../api/convert/network-filters';
import { pruneFilters } from '../../api/convert/volume-filters';
import type { CliContext } from '../context';
import { diskUsage, pruneContainers, rename, top } from '../container-verbs-api';
import { diskUsageSummary, diskUsageVerbose, goHumanSize } from '../disk-usage-rows';
import { CliError, cliError, usageError } from '../errors';
import { deleteLines } from '../image-rows';
import { pruneImages } from '../image-verbs-api';
import { pruneNetworks } from '../network-api';
import { tabwrite } from '../tabwriter';
import { pruneVolumes } from '../volume-verbs-api';

const collect = (v: string, acc: string[]) => [...acc, v];

/** `--filter key=value` (repeatable) read by an Engine API converter: its 400 as the daemon's answer. */
function filtered<T>(filters: string[], verb: string, convert: (q: URLSearchParams) => T): T {
  const map: Record<string, string[]> = {};
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw usageError('bad format of filter (expected name=value)', verb);
    (map[f.slice(0, eq)] ??= []).push(f.slice(eq + 1));
  }
  try {
    return convert(new URLSearchParams(filters.length ? { filters: JSON.stringify(map) } : {}));
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    throw new CliError(err.message, { type: 'InvalidParameter', status: err.status, origin: 'daemon' });
  }
}

/** A command group another module may have made already (`container`, `system`). */
function group(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

/** The docker CLI's prune report: what was deleted, a blank line after, or nothing. */
const deleted = (title: string, items: readonly string[] | null | undefined) =>
  items?.length ? `${title}:\n${items.map((i) => `${i}\n`).join('')}\n` : '';

/** docker rename, top, container prune, system df and system prune (workflows/container-verbs.ts). */
export function registerContainerVerbs(program: Command, ctx: CliContext): void {
  program
    .command('rename')
    .description('Rename a container (its links, DNS names and events follow)')
    .argument('<container>')
    .argument('<new-name>')
    .action(async (container: string, newName: string) => {
      const [from, to] = [container.trim(), newName.trim()];
      if (from === '' || to === '') throw cliError('Neither old nor new names may be empty');
      try {
        await rename(await ctx.session(), from, to);
      } catch (err) {
        if (!(err instanceof CliError) || err.origin !== 'daemon') throw err;
        ctx.reportError(err);
        throw cliError(`failed to rename container named ${from}`);
      }
    });
  program
    .command('top')
    .description('Display the running processes of a container (ps on its host; default ps options -ef)')
    .argument('<container>')
    .argument('[ps-options...]')
    .allowUnknownOption()
    .passThroughOptions()
    .action(async (container: string, psOptions: string[]) => {
      const procs = await top(await ctx.session(), container, psOptions.length ? psOptions.join(' ') : undefined);
      process.stdout.write(tabwrite([procs.Titles, ...procs.Processes], 20));
    });
  group(program, 'container', 'Manage containers')
    .command('prune')
    .description('Remove all stopped containers (on every live host, or --host)')
    .option('-f, --force', 'do not prompt for confirmation (there is no prompt here)')
    .option('--filter <key=value>', 'filter: label, label!, until (repeatable)', collect, [])
    .option('--host <name>', 'on this host only (default: every live host)')
    .action(async (flags: { filter: string[]; host?: string }) => {
      const input = filtered(flags.filter, 'container prune', (q) => networkPruneInput(q));
      const res = await pruneContainers(await ctx.session(), flags.host ? { ...input, host: flags.host } : input);
      process.stdout.write(
        `${deleted('Deleted Containers', res.ContainersDeleted)}Total reclaimed space: ${goHumanSize(res.SpaceReclaimed)}\n`,
      );
    });
  const system = group(program, 'system', 'Manage the engine: disk usage, prune');
  system
    .command('df')
    .description('Show disk usage: images, containers, volumes (every live host)')
    .option('-v, --verbose', 'show detailed information on space usage')
    .action(async (flags: { verbose?: boolean }) => {
      const du = await diskUsage(await ctx.session());
      process.stdout.write(flags.verbose ? diskUsageVerbose(du) : diskUsageSummary(du));
    });
  system
    .command('prune')
    .description(
      'Remove stopped containers, unused networks, dangling (-a: unused) images, with --volumes anonymous volumes',
    )
    .option('-a, --all', 'remove all unused images, not just dangling ones')
    .option('-f, --force', 'do not prompt for confirmation (there is no prompt here)')
    .option('--volumes', 'prune anonymous volumes')
    .option('--filter <key=value>', 'filter: label, label!, until (repeatable)', collect, [])
    .action(async (flags: { all?: boolean; volumes?: boolean; filter: string[] }) => {
      const s = await ctx.session();
      const verb = 'system prune';
      if (flags.volumes && flags.filter.some((f) => f.startsWith('until=')))
        throw cliError('The "until" filter is not supported with "--volumes"');
      // the docker CLI's order: containers, networks, volumes, images (then a build cache there is none of)
      const c = await pruneContainers(
        s,
        filtered(flags.filter, verb, (q) => networkPruneInput(q)),
      );
      let out = deleted('Deleted Containers', c.ContainersDeleted);
      let reclaimed = c.SpaceReclaimed;
      const n = await pruneNetworks(
        s,
        filtered(flags.filter, verb, (q) => networkPruneInput(q)),
      );
      out += deleted('Deleted Networks', n.NetworksDeleted);
      if (flags.volumes) {
        const v = await pruneVolumes(
          s,
          filtered(flags.filter, verb, (q) => pruneFilters(q, '1.42')),
        );
        out += deleted('Deleted Volumes', v.VolumesDeleted);
        reclaimed += v.SpaceReclaimed;
      }
      const images = filtered(flags.filter, verb, (q) => pruneInput(q));
      const i = await pruneImages(s, flags.all ? { ...images, all: true } : images);
      const lines = i.ImagesDeleted?.length
        ? deleteLines(i.ImagesDeleted).map((l) => l.replace(/^(\w)/, (x) => x.toLowerCase()))
        : [];
      out += deleted('Deleted Images', lines);
      reclaimed += i.SpaceReclaimed;
      process.stdout.write(`${out}Total reclaimed space: ${goHumanSize(reclaimed)}\n`);
    });
}
