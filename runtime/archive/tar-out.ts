import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError } from '../../common/errors';
import { run, toolOutput } from '../drivers/linux/exec';
import { tool } from '../drivers/linux/tools';

/** A running container's kernel filesystems: their contents are no files of the container (Docker's view has none). */
const KERNEL_DIRS = ['/proc', '/sys', '/dev'];

/** fnmatch's special characters escaped, for a literal name in a tar --exclude pattern. */
const literal = (s: string) => s.replace(/[\\*?[\]]/g, '\\$&');

/**
 * Tars `member` of `dir` into `file` (GNU tar: numeric owners, xattrs, links kept as links), named `as` in the
 * archive (Docker's rebase, when the path's base is not the member's name). `containerDir`: the container path
 * of `dir/member`; given for a running container's root, the contents of /proc, /sys and /dev below it are left out.
 */
export async function tarToFile(opts: {
  dir: string;
  member: string;
  as?: string;
  file: string;
  containerDir?: string;
}): Promise<void> {
  const { dir, member, file } = opts;
  const args = ['-C', dir, '--numeric-owner', '--xattrs', '--xattrs-include=*', '-cf', file];
  const as = opts.as ?? member;
  if (as !== member)
    args.push(`--transform=s|^${member.replace(/[\\|.*[\]^$&]/g, '\\$&')}|${as.replace(/[\\|&]/g, '\\$&')}|`);
  if (opts.containerDir !== undefined) {
    args.push('--anchored');
    for (const k of KERNEL_DIRS) {
      const rel = path.posix.relative(opts.containerDir, k);
      if (rel.startsWith('..')) continue;
      const name = rel === '' ? member : `${member}/${rel}`;
      args.push(`--exclude=${literal(name)}/*`);
    }
  }
  args.push('--', member);
  const r = await run(tool('tar'), args, { timeoutMs: 6 * 3600_000 });
  // 1: some file changed as it was read (a running container writes): the archive is still whole
  if (r.code !== 0 && r.code !== 1) {
    await fs.rm(file, { force: true });
    throw new ContainerError('Internal', `tar of ${member}: ${toolOutput(r)}`, { retryable: false });
  }
}
