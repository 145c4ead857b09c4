import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError } from '../common/errors';
import { inside, resolveHostPath, resolveImageSource } from '../runtime/bind-policy';

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
