import { spawnSync } from 'node:child_process';

/** nsenter's flags for every namespace of the container (mount, uts, ipc, net, pid), its root and its cwd. */
export const ALL_NAMESPACES = ['-m', '-u', '-i', '-n', '-p', '-r', '-w'] as const;

/**
 * Runs a command in a container's namespaces (nsenter by its pid, as root on the host) and returns its
 * stdout; throws with its stderr when it fails. A string is a script for the container's /bin/sh; `ns`
 * picks the namespaces (nsenter's flags), all of them by default.
 */
export function inside(
  pid: number,
  command: string | readonly string[],
  ns: readonly string[] = ALL_NAMESPACES,
): string {
  const cmd = typeof command === 'string' ? ['/bin/sh', '-c', command] : command;
  const r = spawnSync('nsenter', ['-t', String(pid), ...ns, ...cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nsenter ${cmd.join(' ')}: ${r.error?.message ?? r.stderr}`);
  return r.stdout;
}
