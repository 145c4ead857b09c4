import type { Command } from 'commander';
import { imageFilter, narrowReferences } from '../../api/convert/image-filters';
import { pruneInput } from '../../api/convert/image-prune';
import { findImage, imageInspect } from '../../api/convert/image-json';
import { ApiError } from '../../api/http';
import { imageHistory } from '../../images/history';
import { imageList } from '../api';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { deleteLines, HISTORY_HEAD, historyRows, imageHead, imageRows } from '../image-rows';
import { pruneImages, removeImage, tagImage } from '../image-verbs-api';
import { humanSize, printJson, printTable } from '../output';
import { forEachRef } from './each';

const collect = (v: string, acc: string[]) => [...acc, v];

/** The Engine API's checks (filters, lookups) run here too: their 400/404 as the daemon's answer, as Docker's. */
function asDaemon<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const type = err.status === 404 ? 'NoSuchImage' : 'InvalidParameter';
    throw new CliError(err.message, { type, status: err.status, origin: 'daemon' });
  }
}

/** `--filter key=value` (repeatable) as the API's `filters` parameter. */
function filtersQuery(filters: string[]): URLSearchParams {
  const map: Record<string, string[]> = {};
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new CliError(`bad format of filter (expected name=value)`, { type: 'Usage', origin: 'usage' });
    (map[f.slice(0, eq)] ??= []).push(f.slice(eq + 1));
  }
  return new URLSearchParams(filters.length ? { filters: JSON.stringify(map) } : {});
}

interface LsFlags {
  all?: boolean;
  quiet?: boolean;
  digests?: boolean;
  noTrunc?: boolean;
  filter: string[];
  json?: boolean;
}

function ls(cmd: Command, ctx: CliContext): Command {
  return cmd
    .description('List images (one row per repository and tag, newest first; HOST: the hosts that have it)')
    .argument('[reference]', 'only images of this repository[:tag] (a glob, as --filter reference=)')
    .option('-a, --all', 'show all images (there are no intermediate images here: the same list)')
    .option('-q, --quiet', 'only show image IDs')
    .option('--digests', 'show digests')
    .option('--no-trunc', "don't truncate output")
    .option('-f, --filter <key=value>', 'filter: dangling, label, reference, before, since (repeatable)', collect, [])
    .option('--json', 'print the image records as a JSON array')
    .action(async (reference: string | undefined, flags: LsFlags) => {
      const images = await imageList(await ctx.session());
      const filters = reference === undefined ? flags.filter : [...flags.filter, `reference=${reference}`];
      const q = filtersQuery(filters);
      const keep = asDaemon(() => imageFilter(q, images));
      const shown = images.filter(keep).map(narrowReferences(q));
      if (flags.json) return printJson(shown);
      // --no-trunc is commander's negation: `trunc` false
      const noTrunc = (flags as { trunc?: boolean }).trunc === false;
      const rows = imageRows(shown, { digests: flags.digests, noTrunc });
      const idAt = flags.digests ? 3 : 2;
      if (flags.quiet) process.stdout.write(rows.map((r) => `${r[idAt]}\n`).join(''));
      else printTable(imageHead(flags.digests), rows);
    });
}

function rmi(cmd: Command, ctx: CliContext): Command {
  return cmd
    .description('Remove images: untag a reference (the image goes with its last one), or delete by ID')
    .argument('<image...>')
    .option('-f, --force', 'force removal of the image (not while a running container uses it)')
    .option('--no-prune', 'do not delete untagged parents (accepted: images here have no parents)')
    .option('--host <name>', 'on this host only (default: every live host that has the image)')
    .action(async (refs: string[], flags: { force?: boolean; prune?: boolean; host?: string }) => {
      const s = await ctx.session();
      await forEachRef(
        ctx,
        refs,
        'remove',
        async (ref) => {
          const opts = { force: Boolean(flags.force), noprune: flags.prune === false, host: flags.host };
          return deleteLines(await removeImage(s, ref, opts)).join('\n');
        },
        'images',
      );
    });
}

function tag(cmd: Command, ctx: CliContext): Command {
  return cmd
    .description('Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE')
    .argument('<source>')
    .argument('<target>')
    .option('--host <name>', 'on this host only (default: every live host that has SOURCE)')
    .action(async (source: string, target: string, flags: { host?: string }) => {
      await tagImage(await ctx.session(), source, target, flags.host);
    });
}

function history(cmd: Command, ctx: CliContext): Command {
  return cmd
    .description('Show the history of an image (newest first)')
    .argument('<image>')
    .option('-q, --quiet', 'only show image IDs')
    .option('--no-trunc', "don't truncate output")
    .option('--json', 'print the Engine API answer')
    .action(async (ref: string, flags: { quiet?: boolean; trunc?: boolean; json?: boolean }) => {
      const images = await imageList(await ctx.session());
      const items = imageHistory(asDaemon(() => findImage(images, ref)));
      if (flags.json) return printJson(items);
      const rows = historyRows(items, { noTrunc: flags.trunc === false });
      if (flags.quiet) process.stdout.write(rows.map((r) => `${r[0]}\n`).join(''));
      else printTable(HISTORY_HEAD, rows);
    });
}

/** image ls/rm/tag/prune/history/inspect, and Docker's top-level `images`, `rmi`, `tag` and `history`. */
export function registerImageVerbs(program: Command, image: Command, ctx: CliContext): void {
  ls(image.command('ls').alias('list'), ctx);
  rmi(image.command('rm').alias('remove'), ctx);
  tag(image.command('tag'), ctx);
  history(image.command('history'), ctx);
  image
    .command('inspect')
    .description("Display an image's details (the Engine API's image inspect), as a JSON array")
    .argument('<image...>')
    .action(async (refs: string[]) => {
      const images = await imageList(await ctx.session());
      printJson(refs.map((r) => imageInspect(asDaemon(() => findImage(images, r)))));
    });
  image
    .command('prune')
    .description('Remove unused images: dangling ones (no tag), or with -a every image no container uses')
    .option('-a, --all', 'remove all unused images, not just dangling ones')
    .option('-f, --force', 'do not prompt for confirmation (there is no prompt here)')
    .option('--filter <key=value>', 'filter: label, label!, until (repeatable)', collect, [])
    .option('--host <name>', 'on this host only (default: every live host)')
    .action(async (flags: { all?: boolean; filter: string[]; host?: string }) => {
      const q = filtersQuery(flags.filter);
      const input = asDaemon(() => pruneInput(q));
      if (flags.all) input.all = true;
      const result = await pruneImages(await ctx.session(), flags.host ? { ...input, host: flags.host } : input);
      const lines = result.ImagesDeleted?.length
        ? [
            'Deleted Images:',
            ...deleteLines(result.ImagesDeleted).map((l) => l.replace(/^(\w)/, (c) => c.toLowerCase())),
            '',
          ]
        : [];
      process.stdout.write([...lines, `Total reclaimed space: ${humanSize(result.SpaceReclaimed)}`, ''].join('\n'));
    });
  ls(program.command('images'), ctx);
  rmi(program.command('rmi'), ctx);
  tag(program.command('tag'), ctx);
  history(program.command('history'), ctx);
}
