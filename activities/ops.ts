import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { checkCreateInput, checkWorkflowInput } from '../common/input-check';
import { isFullId, startWorkflowId } from '../common/names';
import type {
  CreateInput,
  CreateResult,
  EventsInput,
  EventsResult,
  ImageImportInput,
  ImageImportResult,
  ImageListResult,
  InspectInput,
  InspectResult,
  ListInput,
  ListResult,
  LogsInput,
  LogsResult,
  RemoveInput,
} from '../common/ops-api';
import type { ContainerRuntime, GcReport, StopResult } from '../runtime/contract';
import { EVENTS_PAGE_BYTES } from '../runtime/store';
import { withHeartbeat } from './heartbeat';
import { isOwnerAlive } from './owner';
import { classified } from './to-failure';

/** Activities behind the CLI's other verbs: one driver call each. */
export function createOpsActivities(runtime: ContainerRuntime) {
  return {
    async createContainer(input: CreateInput): Promise<CreateResult> {
      return classified(async () => {
        checkCreateInput(input);
        const rec = await runtime.create(input.request);
        return { Id: rec.Id, Warnings: [...rec.createWarnings] };
      });
    },
    async inspectContainer(input: InspectInput): Promise<InspectResult> {
      return classified(() => runtime.lookup(input.container));
    },
    async listContainers(input: ListInput): Promise<ListResult> {
      return classified(async () =>
        (await runtime.list()).filter((c) => input.all || c.State.Running || c.State.Restarting),
      );
    },
    async readEvents(input: EventsInput): Promise<EventsResult> {
      return classified(() =>
        runtime.events(input.since, Math.min(input.limit ?? EVENTS_PAGE_BYTES, EVENTS_PAGE_BYTES)),
      );
    },
    /**
     * Serializes stop/rm after a start in flight: cancels the container's start saga, if one runs, and waits
     * until it has compensated and closed. Returns whether there was one.
     */
    async cancelStart(input: { id: string }): Promise<boolean> {
      const { client } = Context.current();
      // The saga in flight: the one holding the claim, whatever its workflow ID, and the canonical one (which
      // may not have claimed yet). Both are cancelled and awaited, so nothing starts behind our back.
      const owner = (await runtime.lookup(input.id).catch(() => undefined))?.StartingBy;
      const handles = [client.workflow.getHandle(startWorkflowId(input.id))];
      if (owner && owner.workflowId !== startWorkflowId(input.id))
        handles.push(client.workflow.getHandle(owner.workflowId, owner.runId));
      let cancelled = false;
      for (const handle of handles) {
        try {
          if ((await handle.describe()).status.name !== 'RUNNING') continue;
          await handle.cancel();
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) continue;
          throw err;
        }
        // It ends however it ends (compensated, cancelled): we only wait for it to be over.
        await withHeartbeat(() => handle.result().catch(() => undefined));
        cancelled = true;
      }
      return cancelled;
    },
    async stopContainer(input: { id: string; timeoutSeconds: number }): Promise<StopResult> {
      return classified(() => withHeartbeat((ctx) => runtime.stop(input.id, input.timeoutSeconds, ctx)));
    },
    async removeContainer(input: Omit<RemoveInput, 'container'> & { id: string }): Promise<void> {
      return classified(() => withHeartbeat((ctx) => runtime.remove(input.id, input.force, ctx)));
    },
    /** `container-saga gc` and the worker's start-up reconcile. */
    async collectGarbage(): Promise<GcReport> {
      return classified(() =>
        withHeartbeat((ctx) =>
          runtime.gc(async (rec) => rec.StartingBy !== undefined && (await isOwnerAlive(rec.StartingBy)), ctx),
        ),
      );
    },
    async readLogs(input: LogsInput): Promise<LogsResult> {
      return classified(async () => {
        const { cursor, tail, since, until, timestamps, limit } = input;
        const rec = await runtime.lookup(input.container).catch(async (err: unknown) => {
          if (!isFullId(input.container)) throw err; // never a path made of whatever the client sent
          // By full ID, a container its monitor removed after its exit (AutoRemove) still has its output
          // for a while (runtime/removed-logs.ts): an attached client's last pages.
          const page = await runtime
            .logPage(input.container, { cursor, tail, since, until, timestamps, limit })
            .catch(() => undefined);
          if (!page) throw err;
          return { Id: input.container, page };
        });
        if ('page' in rec) return { containerId: rec.Id, ...rec.page, running: false };
        const page = await runtime.logPage(rec.Id, { cursor, tail, since, until, timestamps, limit });
        return { containerId: rec.Id, ...page, running: rec.State.Running };
      });
    },
    async importImage(input: ImageImportInput): Promise<ImageImportResult> {
      return classified(() => {
        checkWorkflowInput('imageImport', input);
        return withHeartbeat(() => runtime.importImage(input.name, input.source));
      });
    },
    async listImages(): Promise<ImageListResult> {
      return classified(() => runtime.listImages());
    },
  };
}

export type OpsActivities = ReturnType<typeof createOpsActivities>;
