import { promises as fs } from 'node:fs';
import { ContainerError, StartExitCodes } from '../../../common/errors';
import { exists } from '../../fsutil';
import { run, toolOutput } from './exec';
import { tool } from './tools';
import { isFullId } from '../../../common/names';

/** runc: the container's state lives in <root>/runc/<id>; the runc container ID is the container ID. */

/** True when runc holds state for the container (created, running or stopped but not deleted). */
export function runcStateExists(runcRoot: string, id: string): Promise<boolean> {
  return exists(`${runcRoot}/${id}`);
}

/** The runc container IDs under a runc root. */
export async function listRuncContainers(runcRoot: string): Promise<string[]> {
  const names = await fs.readdir(runcRoot).catch(() => [] as string[]);
  return names.filter(isFullId);
}

/** `runc delete --force`: idempotent (a container runc does not know is already deleted). */
export async function runcDelete(runcRoot: string, id: string): Promise<void> {
  if (!(await runcStateExists(runcRoot, id))) return;
  const r = await run(tool('runc'), ['--root', runcRoot, 'delete', '--force', id]);
  if (r.code !== 0 && !/does not exist|not exist/i.test(r.stderr)) {
    throw new ContainerError('Internal', `runc delete ${id.slice(0, 12)}: ${toolOutput(r)}`);
  }
  // runc leaves the directory when its state file was never written (a create cut short)
  await fs.rm(`${runcRoot}/${id}`, { recursive: true, force: true });
}

/** The last error runc logged (its --log file, json lines), or ''. Pure. */
export function lastRuncError(logText: string): string {
  let last = '';
  for (const line of logText.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as { level?: string; msg?: string };
      if ((e.level === 'error' || e.level === 'fatal') && e.msg) last = e.msg;
    } catch {
      if (/error/i.test(line)) last = line.trim();
    }
  }
  return last;
}

/**
 * Docker's classification of a start error (pure): the command is missing → CommandNotFound (exit 127); it
 * exists but cannot be executed → CommandNotInvocable (126); anything else → StartFailed (128).
 * Only the exec step's own errors count ("exec: \"x\": …"), not e.g. a mount's "no such file or directory".
 */
export function classifyStartError(message: string): ContainerError {
  const exec = /exec: "[^"]*": (.*)$/m.exec(message)?.[1] ?? /exec(?:ve)? failed: (.*)$/m.exec(message)?.[1];
  if (exec !== undefined) {
    if (/executable file not found|no such file or directory/i.test(exec)) {
      return new ContainerError('CommandNotFound', message, { retryable: false });
    }
    if (/permission denied|exec format error|is a directory/i.test(exec)) {
      return new ContainerError('CommandNotInvocable', message, { retryable: false });
    }
  }
  return new ContainerError('StartFailed', message, { retryable: false });
}

export function exitCodeOf(err: ContainerError): number {
  if (err.type === 'CommandNotFound') return StartExitCodes.CommandNotFound;
  if (err.type === 'CommandNotInvocable') return StartExitCodes.CommandNotInvocable;
  return StartExitCodes.Other;
}
