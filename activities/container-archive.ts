import { Context } from '@temporalio/activity';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type {
  ContainerArchiveInput,
  ContainerChange,
  ContainerChangesInput,
  ContainerCommitInput,
  ContainerCommitResult,
  PathStat,
} from '../common/archive-api';
import { ContainerError } from '../common/errors';
import { checkWorkflowInput } from '../common/input-check';
import { archiveSpoolDir } from '../images/archive-paths';
import { rootfsPlan } from '../images/rootfs-plan';
import { upperChanges } from '../runtime/archive/changes';
import { commitContainer } from '../runtime/archive/commit';
import { archivePath, exportRootfs, extractToDir, statPath } from '../runtime/archive/container-files';
import type { HostRuntime } from '../runtime/host-runtime';
import { withHeartbeat } from './heartbeat';
import { classified } from './to-failure';

/**
 * cp, diff, export and commit on the container's host. A tar is a file in this host's spool (the Engine API's or
 * the CLI's, on this machine: docs/design.md "Container archives"), named in the input; its bytes never travel
 * through Temporal.
 */
export function createContainerArchiveActivities(runtime: HostRuntime) {
  const deps = { driver: runtime.driver, images: runtime.images };
  /** Only a file directly in this host's spool: the input is any Temporal client's. */
  const spooled = (file: string | undefined): string => {
    const spool = path.resolve(archiveSpoolDir(runtime.root));
    if (file === undefined || path.dirname(path.resolve(file)) !== spool || !/^[\w.-]+$/.test(path.basename(file)))
      throw new ContainerError('InvalidParameter', `the archive must be a file in ${spool}`, { retryable: false });
    return path.resolve(file);
  };
  return {
    async containerArchiveOp(input: ContainerArchiveInput): Promise<{ stat?: PathStat }> {
      return classified(() =>
        withHeartbeat(async () => {
          checkWorkflowInput('containerArchive', input);
          const rec = await runtime.lookup(input.container);
          const p = input.path ?? '/';
          switch (input.op) {
            case 'stat':
              return { stat: await statPath(deps, rec, input.container, p) };
            case 'get':
              return { stat: await archivePath(deps, rec, input.container, p, spooled(input.file)) };
            case 'put': {
              const file = spooled(input.file);
              if (!(await fs.stat(file).catch(() => undefined)))
                throw new ContainerError(
                  'InvalidParameter',
                  `archive ${file} not found on host ${runtime.config.host}`,
                  {
                    retryable: false,
                  },
                );
              await extractToDir(deps, rec, input.container, p, file, {
                noOverwriteDirNonDir: input.noOverwriteDirNonDir ?? false,
                copyUIDGID: input.copyUIDGID ?? false,
              });
              return {};
            }
            case 'export':
              await exportRootfs(deps, rec, spooled(input.file));
              return {};
          }
        }),
      );
    },
    async containerChanges(input: ContainerChangesInput): Promise<ContainerChange[]> {
      return classified(async () => {
        const rec = await runtime.lookup(input.container);
        const plan = await rootfsPlan(
          runtime.images,
          rec.Image || rec.Config.Image,
          runtime.driver.kind === 'simulated',
        );
        return upperChanges(
          runtime.driver.upperDir(rec.Id),
          plan.layers.map((l) => l.dir),
        );
      });
    },
    async commitContainer(input: ContainerCommitInput): Promise<ContainerCommitResult> {
      return classified(() =>
        withHeartbeat(async () => {
          checkWorkflowInput('containerCommit', input);
          const rec = await runtime.lookup(input.container);
          const image = await commitContainer(deps, rec, input);
          // Docker's container event; the image is made whether or not the event could be written
          const ref = image.repoTags[0] ?? '';
          await runtime.records
            .emitEvent(rec.Id, 'commit', { comment: input.comment ?? '', imageID: image.id, imageRef: ref })
            .catch((err: unknown) => Context.current().log.warn(`commit event of ${rec.Id}: ${String(err)}`));
          return { Id: image.id };
        }),
      );
    },
  };
}
