import { promises as fs } from 'node:fs';
import { runChecked } from '../../runtime/drivers/linux/exec';
import { tool } from '../../runtime/drivers/linux/tools';

/**
 * A named network namespace (`ip netns add`) with only lo, up: the bench's dockerd runs in it, so its docker0,
 * veths, routes and iptables rules never touch the host's network.
 */
export function netnsPath(name: string): string {
  return `/run/netns/${name}`;
}

/** Creates the namespace; one left by a bench that was killed is replaced, one still in use is refused. */
export async function createNetns(name: string): Promise<void> {
  if (await exists(netnsPath(name))) {
    const pids = (
      await runChecked(`list processes in netns ${name}`, tool('ip'), ['netns', 'pids', name])
    ).stdout.trim();
    if (pids) {
      throw new Error(
        `network namespace ${name} is in use by pids ${pids.split('\n').join(', ')} (another bench running, or a killed one's dockerd?)`,
      );
    }
    await deleteNetns(name);
  }
  await runChecked(`create netns ${name}`, tool('ip'), ['netns', 'add', name]);
  await runChecked(`bring lo up in netns ${name}`, tool('ip'), ['-n', name, 'link', 'set', 'lo', 'up']);
}

export async function deleteNetns(name: string): Promise<void> {
  if (await exists(netnsPath(name))) await runChecked(`delete netns ${name}`, tool('ip'), ['netns', 'delete', name]);
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}
