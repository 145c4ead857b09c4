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
 *   <container>/execs/<execId>/exit-code     its exit status (written by its shim)
 *   <container>/execs/<execId>/runc.log      runc's json log, where a start error is read from
 *   <container>/execs/<execId>/stdout, stderr  its output, paged to the client like logs
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
  stdout: string;
  stderr: string;
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
    exit: f('exit-code'),
    runcLog: f('runc.log'),
    stdout: f('stdout'),
    stderr: f('stderr'),
  };
}

/** An exec ID: 64 lowercase hex digits, like a container ID (and never a path). */
export function isExecId(s: string): boolean {
  return isFullId(s);
}
