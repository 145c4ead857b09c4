import { promises as fs } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Layout } from '../drivers/layout';
import { attemptFiles, currentAttempt } from '../drivers/linux/process';

/**
 * When a container's run under conmon ends, seen from its files on this machine: the current start
 * attempt's conmon pid file names a live process while it runs. An attach may begin before the run (the
 * docker CLI attaches, then starts): then the end is that of the next run, which a new pid file tells even
 * when it began and ended between two looks.
 */

/** How often the pid file is looked at (the output itself is followed without delay: log-tail.ts). */
const POLL_MS = 100;

async function readPid(file: string): Promise<string | undefined> {
  return (await fs.readFile(file, 'utf8').catch(() => undefined))?.trim() || undefined;
}

function alive(pid: string | undefined): boolean {
  if (!pid || !/^\d+$/.test(pid)) return false;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid file of the container's current conmon: the current start attempt's (drivers/linux/process.ts). */
async function conmonPidOf(l: Layout, id: string): Promise<string | undefined> {
  const attempt = await currentAttempt(l, id);
  return attempt ? readPid(attemptFiles(l, id, attempt).conmonPid) : undefined;
}

/** Resolves once the current (or next) run of the container has ended, or when `signal` aborts. */
export async function runEnded(l: Layout, id: string, signal: AbortSignal): Promise<void> {
  const initial = await conmonPidOf(l, id);
  let ran = false;
  while (!signal.aborted) {
    const pid = await conmonPidOf(l, id);
    const live = alive(pid);
    if (live) ran = true;
    else if (ran || (pid !== undefined && pid !== initial)) return;
    await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
  }
}
