import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { ContainerError } from '../common/errors';
import { tool } from '../runtime/drivers/linux/tools';

/**
 * A directory as a tar stream (GNU tar: numeric owners, xattrs and device nodes as root kept), and its end:
 * `done` rejects when tar fails.
 */
export function spawnTar(dir: string): { stdout: Readable; done: Promise<void> } {
  const child = spawn(tool('tar'), ['-C', dir, '--numeric-owner', '--xattrs', '--xattrs-include=*', '-cf', '-', '.'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const err: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (e) => reject(new ContainerError('Internal', `tar ${dir}: ${e.message}`)));
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new ContainerError('Internal', `tar ${dir}: ${Buffer.concat(err).toString().trim()} (exit ${code})`)),
    );
  });
  return { stdout: child.stdout, done };
}
