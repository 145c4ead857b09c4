import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { run, toolOutput } from '../runtime/drivers/linux/exec';
import { tool } from '../runtime/drivers/linux/tools';
import { cliError } from './errors';

/**
 * The local side of `container-saga cp` (the CLI runs on the worker host's machine: the spool is there): a local
 * path tarred into the spool file, or the spool file extracted to a local path, with docker cp's naming rules.
 */

async function tar(args: string[], what: string): Promise<void> {
  const r = await run(tool('tar'), args, { timeoutMs: 6 * 3600_000 });
  if (r.code !== 0) throw cliError(`${what}: ${toolOutput(r)}`);
}

const escapeRe = (s: string) => s.replace(/[\\|.*[\]^$&]/g, '\\$&');

/** `src` (a local path, or `-`: a tar on stdin) into `file`, its top entry named `as` when given. */
export async function localToSpool(src: string, file: string, as?: string): Promise<void> {
  if (src === '-') {
    await pipeline(process.stdin, createWriteStream(file, { mode: 0o600 }));
    return;
  }
  const abs = path.resolve(src);
  const st = await fs.lstat(abs).catch(() => undefined);
  if (!st) throw cliError(`could not find the file ${src} on this machine`);
  const contents = src.endsWith('/.');
  const dir = contents ? abs : path.dirname(abs);
  const base = contents ? '.' : path.basename(abs);
  const rename =
    as !== undefined && !contents && as !== base
      ? [`--transform=s|^${escapeRe(base)}|${as.replace(/[\\|&]/g, '\\$&')}|`]
      : [];
  await tar(['-C', dir, '--numeric-owner', '-cf', file, ...rename, '--', base], `tar ${src}`);
}

/** Whether a local path is an existing directory. */
export const isLocalDir = async (p: string) => (await fs.stat(p).catch(() => undefined))?.isDirectory() === true;

/**
 * The spool `file` (the container path `srcBase` as its top entry, or `.` for contents) to `dest`: into it when it is
 * a directory, else as it (the top entry renamed); `-` writes the tar to stdout.
 */
export async function spoolToLocal(file: string, srcBase: string, dest: string): Promise<void> {
  if (dest === '-') {
    await pipeline(createReadStream(file), process.stdout, { end: false });
    return;
  }
  const abs = path.resolve(dest);
  if (srcBase === '.') {
    await fs.mkdir(abs, { recursive: true });
    return tar(['-C', abs, '--numeric-owner', '-xf', file], `extract to ${dest}`);
  }
  if (await isLocalDir(abs)) return tar(['-C', abs, '--numeric-owner', '-xf', file], `extract to ${dest}`);
  if (dest.endsWith('/')) throw cliError(`destination directory ${dest} does not exist`);
  if (!(await isLocalDir(path.dirname(abs))))
    throw cliError(`destination directory ${path.dirname(dest)} does not exist`);
  const rename = `--transform=s|^${escapeRe(srcBase)}|${path.basename(abs).replace(/[\\|&]/g, '\\$&')}|`;
  await tar(['-C', path.dirname(abs), '--numeric-owner', rename, '-xf', file], `extract to ${dest}`);
}
