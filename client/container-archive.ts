import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type {
  ContainerArchiveInput,
  ContainerCommitInput,
  ContainerChange,
  ContainerCommitResult,
} from '../common/archive-api';
import { WorkflowTypes } from '../common/names';
import { plainMetadata } from '../common/workflow-metadata';
import { archiveSpoolDir } from '../images/archive-paths';
import { isPidAlive } from '../runtime/fsutil';
// Types only (the workflows run in the worker's sandbox).
import type {
  containerArchive as archiveWorkflow,
  containerChanges as changesWorkflow,
  containerCommit as commitWorkflow,
} from '../workflows/container-archive';
import { run } from './api';
import type { Session } from './connection';

/**
 * cp, export, diff and commit: each one workflow. cp and export pass a spool file of the worker host on this machine
 * (`spoolFile`); the result says `elsewhere` when the container lives on another host. Nothing here prints.
 */
export function containerArchive(s: Session, input: ContainerArchiveInput) {
  const target = input.path === undefined ? input.container : `${input.container}:${input.path}`;
  return run<typeof archiveWorkflow>(
    s,
    WorkflowTypes.archive,
    { args: [input] },
    {
      meta: plainMetadata(`archive ${input.op}`, target, [
        ['container', input.container],
        ['path', input.path ?? '(the rootfs)'],
        ['spool file', input.file ?? '(none)'],
      ]),
    },
  );
}

export function containerChanges(s: Session, container: string): Promise<ContainerChange[]> {
  return run<typeof changesWorkflow>(
    s,
    WorkflowTypes.changes,
    { args: [{ container }] },
    { meta: plainMetadata('diff', container, [['container', container]]) },
  );
}

export function containerCommit(s: Session, input: ContainerCommitInput): Promise<ContainerCommitResult> {
  const repo = input.repo ? `${input.repo}${input.tag ? `:${input.tag}` : ''}` : '(untagged)';
  return run<typeof commitWorkflow>(
    s,
    WorkflowTypes.commit,
    { args: [input] },
    {
      meta: plainMetadata('commit', input.container, [
        ['container', input.container],
        ['image', repo],
      ]),
    },
  );
}

/**
 * A new spool file's path under a worker host's state root (made 0700; the file itself is not made), named with
 * this process's pid: the files of a process gone (an API or CLI killed mid-copy) are removed first.
 */
export async function spoolFile(root: string, kind: string): Promise<string> {
  const dir = archiveSpoolDir(root);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    const pid = /^(?:get|put|export)-(\d+)-[0-9a-f]+\.tar$/.exec(name)?.[1];
    if (pid && !isPidAlive(Number(pid))) await fs.rm(path.join(dir, name), { force: true });
  }
  return path.join(dir, `${kind}-${process.pid}-${randomBytes(8).toString('hex')}.tar`);
}
