import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError } from '../common/errors';
import { inside, resolveHostPath, resolveImageSource } from '../runtime/bind-policy';
import { isPidAlive } from '../runtime/fsutil';

/**
 * Where the Engine API spools `docker save`/`docker load` archives for the worker it shares a machine with:
 * under the state root, so always readable and writable by that worker whatever CONTAINER_SAGA_BIND_ALLOW says.
 */
export const archiveSpoolDir = (stateRoot: string) => path.join(stateRoot, 'archive-spool');

/**
 * A save's output path on the host: absolute, in an existing directory, not a directory itself, and under
 * CONTAINER_SAGA_BIND_ALLOW (when set) like an import's source, or in the API's spool. Returns it resolved.
 */
export async function resolveArchiveOutput(
  output: string,
  allow: readonly string[] | undefined,
  stateRoot: string,
): Promise<string> {
  if (!output.startsWith('/'))
    throw new ContainerError('InvalidParameter', `output ${output} must be an absolute path on the worker's host`);
  const real = await resolveHostPath(output);
  const parent = real === undefined ? undefined : await fs.stat(path.dirname(real)).catch(() => undefined);
  if (!real || !parent?.isDirectory())
    throw new ContainerError('InvalidParameter', `output ${output}: its directory does not exist on the worker's host`);
  if ((await fs.stat(real).catch(() => undefined))?.isDirectory())
    throw new ContainerError('InvalidParameter', `output ${output} is a directory`);
  if (allow === undefined || (await inSpool(real, stateRoot))) return real;
  const dirs = await Promise.all(allow.map(async (d) => (await resolveHostPath(d)) ?? path.resolve(d)));
  if (!dirs.some((d) => inside(real, d)))
    throw new ContainerError(
      'Forbidden',
      `output ${output} ${real === output ? 'is' : `resolves to ${real}, which is`} outside the directories host paths may come from (CONTAINER_SAGA_BIND_ALLOW=${allow.join(':')})`,
    );
  return real;
}

/** A load's input path: as an import's source (bind policy), or in the API's spool. */
export async function resolveArchiveInput(
  input: string,
  allow: readonly string[] | undefined,
  stateRoot: string,
): Promise<string> {
  const real = input.startsWith('/') ? await resolveHostPath(input) : undefined;
  if (real && (await inSpool(real, stateRoot)) && (await fs.stat(real).catch(() => undefined))) return real;
  return resolveImageSource(input, allow).catch((err: unknown) => {
    // its message says "image source": here it is the archive
    if (err instanceof ContainerError)
      throw new ContainerError(err.type, err.message.replace(/^image source/, 'archive'));
    throw err;
  });
}

async function inSpool(real: string, stateRoot: string): Promise<boolean> {
  const spool = (await resolveHostPath(archiveSpoolDir(stateRoot))) ?? archiveSpoolDir(stateRoot);
  return inside(real, spool) && real !== spool;
}

/**
 * A save's or load's scratch directory in the store (`tmp/<kind>-<pid>-<random>`, so renames into the store
 * stay on its filesystem), made after removing those of processes gone (a worker killed mid-load).
 */
export async function archiveWorkDir(storeRoot: string, kind: 'save' | 'load'): Promise<string> {
  const tmp = path.join(storeRoot, 'tmp');
  for (const name of await fs.readdir(tmp).catch(() => [] as string[])) {
    const pid = /^(?:save|load)-(\d+)-/.exec(name)?.[1];
    if (pid && !isPidAlive(Number(pid))) await fs.rm(path.join(tmp, name), { recursive: true, force: true });
  }
  const dir = path.join(tmp, `${kind}-${process.pid}-${randomBytes(6).toString('hex')}`);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}
