import type { Command } from 'commander';
import { listFilters, pruneFilters } from '../../api/convert/volume-filters';
import { ApiError } from '../../api/http';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { humanSize, printJson, printTable } from '../output';
import { createVolume, inspectVolume, listVolumes, pruneVolumes, removeVolume } from '../volume-verbs-api';
import { forEachRef } from './each';

const collect = (v: string, acc: string[]) => [...acc, v];

/** `--filter key=value` (repeatable) read by the Engine API's converter: its 400 as the daemon's answer. */
function filtered<T>(filters: string[], convert: (q: URLSearchParams) => T): T {
  const map: Record<string, string[]> = {};
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new CliError('bad format of filter (expected name=value)', { type: 'Usage', origin: 'usage' });
    (map[f.slice(0, eq)] ??= []).push(f.slice(eq + 1));
  }
  try {
    return convert(new URLSearchParams(filters.length ? { filters: JSON.stringify(map) } : {}));
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    throw new CliError(err.message, { type: 'InvalidParameter', status: err.status, origin: 'daemon' });
  }
}

/** `KEY=VALUE` (or `KEY`, an empty value) options as a map, as Docker's CLI reads --label and --opt. */
function keyValues(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    out[eq < 0 ? item : item.slice(0, eq)] = eq < 0 ? '' : item.slice(eq + 1);
  }
  return out;
}

interface CreateFlags {
  name?: string;
  driver: string;
  label: string[];
  opt: string[];
  host?: string;
}

/** docker volume create/ls/inspect/rm/prune (workflows/volume-verbs.ts). */
export function registerVolume(program: Command, ctx: CliContext): void {
  const volume = program
    .command('volume')
    .description('Manage named volumes (directories on a host, kept across containers)');
  volume
    .command('create')
    .description('Create a volume (a random name when none is given; an existing name answers with that volume)')
    .argument('[name]')
    .option('--name <name>', 'the volume name (as the argument)')
    .option('-d, --driver <name>', 'volume driver (only local)', 'local')
    .option('--label <key=value>', 'set metadata on the volume (repeatable)', collect, [])
    .option('-o, --opt <key=value>', 'driver options (the local driver here takes none)', collect, [])
    .option('--host <name>', 'on this host (default: the host that has it, else the first live host)')
    .action(async (arg: string | undefined, flags: CreateFlags) => {
      if (arg && flags.name && arg !== flags.name)
        throw new CliError(`conflicting options: either specify --name or provide positional arg, not both`, {
          type: 'Usage',
          origin: 'usage',
        });
      const name = arg ?? flags.name;
      const v = await createVolume(await ctx.session(), {
        ...(name ? { name } : {}),
        driver: flags.driver,
        labels: keyValues(flags.label),
        ...(flags.opt.length ? { options: keyValues(flags.opt) } : {}),
        ...(flags.host ? { host: flags.host } : {}),
      });
      process.stdout.write(`${v.Name}\n`);
    });
  volume
    .command('ls')
    .alias('list')
    .description('List volumes (every live host, or --host)')
    .option('-q, --quiet', 'only display volume names')
    .option('-f, --filter <key=value>', 'filter: name, label, dangling, driver (repeatable)', collect, [])
    .option('--json', 'print the Engine API answer')
    .option('--host <name>', 'on this host only')
    .action(async (flags: { quiet?: boolean; filter: string[]; json?: boolean; host?: string }) => {
      const filters = filtered(flags.filter, listFilters);
      const res = await listVolumes(await ctx.session(), filters, flags.host);
      if (flags.json) return printJson(res);
      if (flags.quiet) process.stdout.write(res.Volumes.map((v) => `${v.Name}\n`).join(''));
      else
        printTable(
          ['DRIVER', 'VOLUME NAME'],
          res.Volumes.map((v) => [v.Driver, v.Name]),
        );
    });
  volume
    .command('inspect')
    .description("Display volumes' details, as a JSON array")
    .argument('<name...>')
    .option('--host <name>', 'on this host only')
    .action(async (names: string[], flags: { host?: string }) => {
      const s = await ctx.session();
      const found = [];
      for (const n of names) found.push(await inspectVolume(s, n, flags.host));
      printJson(found);
    });
  volume
    .command('rm')
    .alias('remove')
    .description('Remove volumes (refused while any container, running or not, uses one)')
    .argument('<name...>')
    .option('-f, --force', 'no error for a volume that does not exist (one in use is still refused)')
    .option('--host <name>', 'on this host only')
    .action(async (names: string[], flags: { force?: boolean; host?: string }) => {
      const s = await ctx.session();
      await forEachRef(ctx, names, 'remove', (n) => removeVolume(s, n, Boolean(flags.force), flags.host), 'volumes');
    });
  volume
    .command('prune')
    .description('Remove unused volumes: anonymous ones, or with -a every volume no container uses')
    .option('-a, --all', 'remove all unused volumes, not just anonymous ones')
    .option('-f, --force', 'do not prompt for confirmation (there is no prompt here)')
    .option('--filter <key=value>', 'filter: label, label! (repeatable)', collect, [])
    .option('--host <name>', 'on this host only (default: every live host)')
    .action(async (flags: { all?: boolean; filter: string[]; host?: string }) => {
      // the newest behaviour (anonymous volumes only, unless --all), whatever API version the server speaks
      const input = filtered(flags.filter, (q) => pruneFilters(q, '1.42'));
      if (flags.all) input.all = true;
      if (flags.host) input.host = flags.host;
      const res = await pruneVolumes(await ctx.session(), input);
      const lines = res.VolumesDeleted?.length ? ['Deleted Volumes:', ...res.VolumesDeleted, ''] : [];
      process.stdout.write([...lines, `Total reclaimed space: ${humanSize(res.SpaceReclaimed)}`, ''].join('\n'));
    });
}
