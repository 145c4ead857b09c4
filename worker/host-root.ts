import { promises as fs } from 'node:fs';
import path from 'node:path';

/** The file in a state root that names the host whose containers it holds. */
export const HOST_FILE = 'host';

/**
 * A state root is one host's (common/hosts-api.ts): its records, mounts and networks are that host's. The
 * first worker to use a root writes its host name there; a worker with another name is refused, so two hosts
 * never share a root and a renamed host does not silently disown its containers. A root without the file
 * is adopted by the first worker that starts on it.
 */
export async function claimStateRoot(root: string, host: string): Promise<'claimed' | 'ours'> {
  await fs.mkdir(root, { recursive: true, mode: 0o700 });
  const file = path.join(root, HOST_FILE);
  try {
    await fs.writeFile(file, `${host}\n`, { flag: 'wx', mode: 0o600 });
    return 'claimed';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const owner = (await fs.readFile(file, 'utf8')).trim();
  if (owner === host) return 'ours';
  throw new Error(
    `state root ${root} belongs to host ${owner}: start this worker with CONTAINER_SAGA_HOST=${owner}, or give host ${host} a root of its own (CONTAINER_SAGA_ROOT)`,
  );
}
