import { promises as fs } from 'node:fs';
import { it } from 'vitest';
import type { HeldResource } from '../runtime/contract';
import { LinuxRuntime, type LinuxRuntimeOptions } from '../runtime/linux/driver';
import { mountsUnder, readMountInfo } from '../runtime/linux/mountinfo';
import { releaseStateRoot } from '../runtime/linux/mounts';
import { deleteNetns } from '../runtime/linux/netns';
import { linuxPrerequisites } from '../runtime/linux/prereqs';

/**
 * Shared by the tests that drive real containers: why they cannot run here (then each test FAILS with it,
 * none skips), a Linux runtime in its own state root and network (so files running side by side never
 * share a bridge or subnet), and its teardown, which reports what was left.
 */
export async function linuxUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'the Linux driver tests need root (they mount, create network namespaces and run runc)';
  const pre = await linuxPrerequisites();
  return pre.ok ? undefined : pre.reason;
}

export async function openLinuxRuntime(prefix: string, net: Required<Pick<LinuxRuntimeOptions, 'hostNetns' | 'bridge' | 'subnet'>>): Promise<LinuxRuntime> {
  const rt = new LinuxRuntime(await fs.mkdtemp(`/tmp/${prefix}-`), net);
  await rt.importImage('busybox', 'busybox-static');
  return rt;
}

/** Removes every container, then reports what the driver still holds and what is still mounted under the root. */
export async function closeLinuxRuntime(rt: LinuxRuntime, hostNetns: string): Promise<{ held: HeldResource[]; mounts: string[] }> {
  for (const c of await rt.list()) await rt.remove(c.Id, true).catch(() => undefined);
  const held = await rt.heldResources();
  const mounts = mountsUnder(await readMountInfo(), rt.root).map((m) => m.mountPoint);
  await releaseStateRoot(rt.root).catch(() => undefined);
  await deleteNetns(hostNetns);
  if (held.length === 0 && mounts.length === 0) await fs.rm(rt.root, { recursive: true, force: true });
  return { held, mounts };
}

/** `it` for a test that needs root: fails with the reason when `unavailable()` gives one. */
export function rootTest(unavailable: () => string | undefined) {
  return (name: string, fn: () => Promise<void>, timeout = 90_000): void => {
    it(name, async () => {
      const why = unavailable();
      if (why) throw new Error(why);
      await fn();
    }, timeout);
  };
}
