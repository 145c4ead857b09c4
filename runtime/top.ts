import { execFile } from 'node:child_process';
import { ContainerError, Messages } from '../common/errors';
import type { TopResult } from '../common/container-verbs-api';
import { checkPsArgs, parsePsOutput, pidsArg, psArgv } from '../common/ps-output';
import type { ContainerRuntime } from './contract';
import type { HostParts } from './host-parts';

/** What top works with: the driver (the container's pids) and the refreshed lookup. */
export type TopDeps = Pick<HostParts, 'driver'> & Pick<ContainerRuntime, 'lookup'>;

/** ps's output, or its failure with the first line of its stderr (Docker's "ps: …"). */
function ps(args: readonly string[]): Promise<{ ok: true; out: string } | { ok: false; why: string }> {
  return new Promise((resolve) => {
    execFile('ps', args, { maxBuffer: 64 * 1024 * 1024 }, (err, out, errOut) => {
      if (!err) return resolve({ ok: true, out });
      const first = errOut.split('\n', 1)[0];
      const code = typeof err.code === 'number' ? `exit status ${err.code}` : err.message;
      resolve({ ok: false, why: first || code });
    });
  });
}

/**
 * docker top (moby daemon/top_unix.go): `ps` on the host with the given options (default `-ef`), narrowed to the
 * container's processes (the cgroup's pids) with `-q`, or, for options that cannot take `-q` (`f`), the whole
 * list; then only the header and the container's rows. A read: it changes nothing.
 */
export async function top(rt: TopDeps, ref: string, psArgs?: string): Promise<TopResult> {
  checkPsArgs(psArgs || '-ef');
  const rec = await rt.lookup(ref); // refreshed: a process that has exited reads not running
  if (!rec.State.Running) throw new ContainerError('ContainerNotRunning', Messages.notRunning(rec.Id));
  if (rec.State.Restarting) throw new ContainerError('Conflict', Messages.restarting(rec.Id));
  const pids = await rt.driver.processIds(rec.Id);
  const args = psArgv(psArgs);
  let res = await ps([...args, pidsArg(pids)]);
  if (!res.ok) res = await ps(args);
  if (!res.ok) throw new ContainerError('Internal', `ps: ${res.why}`, { retryable: false });
  return parsePsOutput(res.out, pids);
}
