import path from 'node:path';
import type { Layout } from './drivers/layout';
import { isFullId } from '../common/names';

/**
 * Where an exec's files live, under its container's directory (both drivers use these names):
 *
 *   <container>/execs/<execId>/exec.json     the exec record while it is registered (id, pids)
 *   <container>/execs/<execId>/process.json  the OCI process runc exec runs (Linux)
 *   <container>/execs/<execId>/pid           the exec's pid (runc --pid-file)
 *   <container>/execs/<execId>/pid-start     its /proc start time, once seen (to tell it from a reused pid)
 *   <container>/execs/<execId>/exit          its exit status (written by its conmon, the session's persist dir)
 *   <container>/execs/<execId>/runc.log      runc's json log, where a start error is read from
 *   <container>/execs/<execId>/log           its output, conmon's k8s-file (stdout and stderr apart, paged)
 *   <container>/execs/<execId>/conmon.pid    its conmon's pid; conmon's ctl fifo and attach socket are here too
 *   <root>/attach/<short execId>             conmon's link to the exec's directory: `attach` there is its socket
 *
 * The record goes when the exec is unregistered; the output stays until the client has had time to read it
 * (runtime/exec.ts prunes finished execs) or the container is removed.
 */
export interface ExecPaths {
  dir: string;
  record: string;
  process: string;
  pid: string;
  pidStart: string;
  exit: string;
  runcLog: string;
  /** conmon's k8s-file log of the exec's output */
  log: string;
  conmonPid: string;
  /** conmon's ctl fifo: `1 <rows> <cols>` resizes the exec's terminal */
  ctl: string;
  /** conmon's link under the layout's attach dir (short, for the socket path's 107 bytes) */
  attachLink: string;
  /** conmon's attach socket (SOCK_SEQPACKET): what a client writes there is the exec's stdin */
  attach: string;
}

export function execsDir(l: Layout, id: string): string {
  return path.join(l.container(id), 'execs');
}

export function execPaths(l: Layout, id: string, execId: string): ExecPaths {
  const dir = path.join(execsDir(l, id), execId);
  const f = (name: string) => path.join(dir, name);
  return {
    dir,
    record: f('exec.json'),
    process: f('process.json'),
    pid: f('pid'),
    pidStart: f('pid-start'),
    exit: f('exit'),
    runcLog: f('runc.log'),
    log: f('log'),
    conmonPid: f('conmon.pid'),
    ctl: f('ctl'),
    attachLink: path.join(l.attachDir, execCuuid(execId)),
    attach: path.join(l.attachDir, execCuuid(execId), 'attach'),
  };
}

/** conmon's cuuid of an exec: names its attach link (`x` + 11 digits: never a container's short ID). */
export function execCuuid(execId: string): string {
  return `x${execId.slice(0, 11)}`;
}

/** An exec ID: 64 lowercase hex digits, like a container ID (and never a path). */
export function isExecId(s: string): boolean {
  return isFullId(s);
}
