import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError } from '../../common/errors';
import { applyLayer } from '../../layers/apply';
import { uncompressedLayer } from '../../layers/decompress';
import { entryComponents } from '../../layers/paths';
import { readTar } from '../../layers/tar-reader';
import { inContainer } from './stat';

/** A tar that is not one, or an entry that would leave the destination: the client's mistake (400). */
function badArchive(err: unknown): unknown {
  if (err instanceof Error && /^Layer(Breakout|Format|Compression)Error$/.test(err.name))
    return new ContainerError('InvalidParameter', err.message, { retryable: false });
  return err;
}

/**
 * The entries' paths under `dest`, read before anything is written, and Docker's NoOverwriteDirNonDir refusal
 * (a non-directory over a directory or the reverse) so that a refused copy changes nothing.
 */
async function plan(file: string, root: string, dest: string, noOverwriteDirNonDir: boolean): Promise<string[]> {
  const paths: string[] = [];
  const { chunks } = await uncompressedLayer(createReadStream(file));
  for await (const e of readTar(chunks)) {
    const target = path.join(dest, ...entryComponents(e.name, dest));
    paths.push(target);
    if (!noOverwriteDirNonDir || target === dest) continue;
    const old = await fs.lstat(target).catch(() => undefined);
    // Docker's words and status (500) for its untar's refusal
    if (old?.isDirectory() && e.type !== 'dir')
      throw new ContainerError(
        'Internal',
        `Error processing tar file(exit status 1): cannot overwrite directory ${JSON.stringify(inContainer(root, target))} with non-directory ${JSON.stringify(inContainer(root, dest))}`,
        { retryable: false },
      );
    if (old && !old.isDirectory() && e.type === 'dir')
      throw new ContainerError(
        'Internal',
        `Error processing tar file(exit status 1): cannot overwrite non-directory ${JSON.stringify(inContainer(root, target))} with directory ${JSON.stringify(inContainer(root, dest))}`,
        { retryable: false },
      );
  }
  return paths;
}

/**
 * Extracts the tar (or compressed tar) in `file` into the directory `dest` inside the container's `root`: every
 * entry made component by component without following a link (layers/apply.ts), owners as in the archive, or
 * `owner` (`cp -a`: the container's user) when given.
 */
export async function extractInto(opts: {
  root: string;
  dest: string;
  file: string;
  noOverwriteDirNonDir: boolean;
  owner?: { uid: number; gid: number };
}): Promise<void> {
  try {
    const paths = await plan(opts.file, opts.root, opts.dest, opts.noOverwriteDirNonDir);
    await applyLayer(createReadStream(opts.file), opts.dest, 'merged');
    if (opts.owner)
      for (const p of paths)
        if (p !== opts.dest) await fs.lchown(p, opts.owner.uid, opts.owner.gid).catch(() => undefined);
  } catch (err) {
    throw badArchive(err);
  }
}
