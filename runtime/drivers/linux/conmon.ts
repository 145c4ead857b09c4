import { tool } from './tools';

/**
 * Debian's conmon (Podman's container monitor) is the one process that holds a running container: it runs
 * `runc create` (or `runc exec` for an exec session), keeps the process's stdio (a pty with `-t`, a stdin pipe
 * with `-i`), writes its output to a `k8s-file` log with the stream and time of every line (runtime/k8s-file.ts),
 * serves stdin on an attach socket, takes terminal resizes on its `ctl` fifo, reaps the process as a subreaper
 * and writes its exit status (and `oom` when the OOM killer struck) to its persist dir. It daemonizes itself,
 * so it outlives the worker that started it.
 */
export interface ConmonOptions {
  /** the runc container's ID */
  cid: string;
  /** names the attach socket's link under socketDir: `<socketDir>/<cuuid>/attach` */
  cuuid: string;
  /** the OCI bundle (an exec session: its own directory, where conmon makes its ctl fifo and attach socket) */
  bundle: string;
  runcRoot: string;
  /** runc's log for this process (json) */
  runcLog: string;
  /** written by runc once the container's (or the exec's) process exists */
  pidFile: string;
  conmonPidFile: string;
  /** the k8s-file log */
  log: string;
  /** bytes before conmon starts the log anew (0: no limit; rotation is the monitor's, see runtime/logs.ts) */
  logSizeMax?: number;
  persistDir: string;
  exitDir: string;
  socketDir: string;
  /** a pty for the process (the spec's process.terminal must say so too) */
  terminal?: boolean;
  /** a stdin pipe, fed from the attach socket */
  stdin?: boolean;
  /** keep the process's stdin open when an attached client goes (Docker's StdinOnce false) */
  leaveStdinOpen?: boolean;
  /** an exec session: the process spec runc exec runs in container `cid` */
  execProcessSpec?: string;
}

/** conmon's command line for a container (runc create) or an exec session (runc exec). */
export function conmonArgs(o: ConmonOptions): string[] {
  const runcArgs = ['--root', o.runcRoot, '--log', o.runcLog, '--log-format', 'json'];
  const options: [string, string][] = [
    ['--api-version', '1'],
    ['--cid', o.cid],
    ['--cuuid', o.cuuid],
    ['--name', o.cid],
    ['--runtime', tool('runc')],
    ...runcArgs.map((a): [string, string] => ['--runtime-arg', a]),
    ['--bundle', o.bundle],
    ['--container-pidfile', o.pidFile],
    ['--conmon-pidfile', o.conmonPidFile],
    ['--log-path', `k8s-file:${o.log}`],
    ['--persist-dir', o.persistDir],
    ['--exit-dir', o.exitDir],
    ['--socket-dir-path', o.socketDir],
  ];
  if (o.logSizeMax) options.push(['--log-size-max', String(o.logSizeMax)]);
  if (o.execProcessSpec) options.push(['--exec-process-spec', o.execProcessSpec]);
  const flags = [
    // the container's logs are the worker's to sync: a sync(2) at every exit stalls every other container's I/O
    '--no-sync-log',
    ...(o.terminal ? ['--terminal'] : []),
    ...(o.stdin ? ['--stdin'] : []),
    ...(o.leaveStdinOpen ? ['--leave-stdin-open'] : []),
    ...(o.execProcessSpec ? ['--exec'] : []),
  ];
  return [...options.flat(), ...flags];
}
