import type { Command } from 'commander';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { changeLetter, isGoDir } from '../../common/archive-api';
import { getConfig } from '../../config';
import { containerArchive, containerChanges, containerCommit, spoolFile } from '../container-archive';
import type { CliContext } from '../context';
import { localToSpool, spoolToLocal } from '../copy-local';
import { CliError, cliError, usageError } from '../errors';
import type { Session } from '../connection';

/** `container:path` (a container name has no `/` before its colon), else a local path. */
function splitArg(arg: string): { container?: string; path: string } {
  const at = arg.indexOf(':');
  if (at > 0 && !arg.slice(0, at).includes('/')) return { container: arg.slice(0, at), path: arg.slice(at + 1) };
  return { path: arg };
}

/** A spool file of this machine's worker host (CONTAINER_SAGA_HOST, _ROOT), removed after `fn`. */
async function withSpool<T>(kind: string, fn: (file: string, host: string) => Promise<T>): Promise<T> {
  const { host, root } = getConfig();
  const file = await spoolFile(root, kind);
  try {
    return await fn(file, host);
  } finally {
    await fs.rm(file, { force: true });
  }
}

function notHere(container: string, elsewhere: string, host: string): CliError {
  return cliError(
    `container ${container} is on host ${elsewhere}, not on ${host} (this machine's CONTAINER_SAGA_HOST): run cp on that host's machine`,
  );
}

async function copyFrom(s: Session, container: string, src: string, dest: string): Promise<void> {
  await withSpool('get', async (file, host) => {
    const r = await containerArchive(s, { container, op: 'get', path: src, file, host });
    if ('elsewhere' in r) throw notHere(container, r.elsewhere, host);
    const base = src === '/' || src.endsWith('/.') ? '.' : r.stat!.name;
    await spoolToLocal(file, base, dest);
  });
}

async function copyTo(s: Session, src: string, container: string, dest: string): Promise<void> {
  // where it goes: into an existing directory, else as the path named (its parent must exist)
  const stat = await containerArchive(s, { container, op: 'stat', path: dest }).catch((err: unknown) => {
    if (err instanceof CliError && err.type === 'NoSuchContainer' && /^Could not find the file/.test(err.message))
      return undefined;
    throw err;
  });
  const isDir = stat && 'stat' in stat && stat.stat ? isGoDir(stat.stat.mode) : false;
  if (!isDir && src !== '-' && dest.endsWith('/')) throw cliError(`no such directory: ${container}:${dest}`);
  const into = isDir || src === '-' ? dest : path.posix.dirname(dest) || '/';
  const as = isDir || src === '-' ? undefined : path.posix.basename(dest);
  await withSpool('put', async (file, host) => {
    await localToSpool(src, file, as);
    const r = await containerArchive(s, { container, op: 'put', path: into, file, host, noOverwriteDirNonDir: true });
    if ('elsewhere' in r) throw notHere(container, r.elsewhere, host);
  });
}

/** cp, diff, export and commit, as Docker's. */
export function registerContainerArchive(program: Command, ctx: CliContext): void {
  program
    .command('cp')
    .description(
      'Copy files between a container and this machine (CONTAINER:PATH on one side; - for a tar on stdin/stdout)',
    )
    .argument('<src>')
    .argument('<dest>')
    .action(async (srcArg: string, destArg: string) => {
      const src = splitArg(srcArg);
      const dest = splitArg(destArg);
      if (src.container && dest.container) throw usageError('copying between containers is not supported', 'cp');
      if (!src.container && !dest.container) throw usageError('must specify at least one container source', 'cp');
      const s = await ctx.session();
      if (src.container) await copyFrom(s, src.container, src.path, destArg);
      else await copyTo(s, srcArg, dest.container!, dest.path);
    });
  program
    .command('diff')
    .description("Inspect changes to files or directories on a container's filesystem (A added, C changed, D deleted)")
    .argument('<container>')
    .action(async (container: string) => {
      for (const c of await containerChanges(await ctx.session(), container))
        process.stdout.write(`${changeLetter(c.Kind)} ${c.Path}\n`);
    });
  program
    .command('export')
    .description("Export a container's filesystem as a tar archive (to stdout, or -o FILE)")
    .argument('<container>')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(async (container: string, flags: { output?: string }) => {
      if (!flags.output && process.stdout.isTTY)
        throw cliError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
      const s = await ctx.session();
      await withSpool('export', async (file, host) => {
        const r = await containerArchive(s, { container, op: 'export', file, host });
        if ('elsewhere' in r) throw notHere(container, r.elsewhere, host);
        if (flags.output) await fs.copyFile(file, path.resolve(flags.output));
        else await spoolToLocal(file, '.', '-');
      });
    });
  program
    .command('commit')
    .description("Create a new image from a container's changes")
    .argument('<container>')
    .argument('[repository]', 'REPOSITORY[:TAG]')
    .option('-a, --author <author>', 'author')
    .option(
      '-c, --change <instruction>',
      'apply a Dockerfile instruction to the image',
      (v, all: string[]) => [...all, v],
      [],
    )
    .option('-m, --message <message>', 'commit message')
    .option('-p, --pause', 'pause the container during commit (default)', true)
    .option('--no-pause', 'do not pause the container during commit')
    .action(
      async (
        container: string,
        repository: string | undefined,
        flags: { author?: string; change: string[]; message?: string; pause: boolean },
      ) => {
        const colon = repository?.lastIndexOf(':') ?? -1;
        const tagged = repository !== undefined && colon > repository.lastIndexOf('/');
        const r = await containerCommit(await ctx.session(), {
          container,
          ...(repository ? { repo: tagged ? repository.slice(0, colon) : repository } : {}),
          ...(tagged ? { tag: repository!.slice(colon + 1) } : {}),
          ...(flags.author ? { author: flags.author } : {}),
          ...(flags.message ? { comment: flags.message } : {}),
          changes: flags.change,
          pause: flags.pause,
        });
        process.stdout.write(`${r.Id}\n`);
      },
    );
}
