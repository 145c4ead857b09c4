import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { execWorkflowId, WorkflowTypes } from '../common/names';
import type { ExecInput, ExecResult } from '../common/verbs-api';
import {
  containerVerbMetadata,
  summaryOf,
  type ContainerView,
  type WorkflowMetadata,
} from '../common/workflow-metadata';
import type { containerExec, containerKill, containerPause, containerUnpause } from '../workflows/verbs';
import { inspect, run } from './api';
import type { Session } from './connection';
import { CliError, toCliError } from './errors';
import { read } from './reads';

/** The CLI's library for kill, pause, unpause and exec: each a workflow; nothing here prints. */

/**
 * The Web UI's metadata of a verb on `container`, from its record. A container that cannot be resolved (404,
 * ambiguous prefix) gets a bare summary: the verb's own workflow then answers with Docker's error for it, as
 * it words it (`Cannot kill container: X: …`).
 */
async function verbMetadata(s: Session, verb: string, container: string, what?: string): Promise<WorkflowMetadata> {
  try {
    return containerVerbMetadata(verb, await inspect(s, container), what);
  } catch (err) {
    if (err instanceof CliError && err.origin === 'daemon' && err.status >= 400 && err.status < 500) {
      return { staticSummary: summaryOf(verb, container, what), staticDetails: '', typedSearchAttributes: [] };
    }
    throw err;
  }
}

/**
 * docker kill [-s SIGNAL] of one container (the worker parses the signal: Docker's 400 for a bad one). The
 * workflow gets the ref as given, since Docker's messages name it.
 */
export const kill = async (s: Session, container: string, signal?: string) =>
  run<typeof containerKill>(
    s,
    WorkflowTypes.kill,
    { args: [{ container, ...(signal ? { signal } : {}) }] },
    {
      meta: await verbMetadata(s, 'kill', container, signal ?? 'KILL'),
    },
  );

export const pause = async (s: Session, container: string) =>
  run<typeof containerPause>(
    s,
    WorkflowTypes.pause,
    { args: [{ container }] },
    { meta: await verbMetadata(s, 'pause', container) },
  );

export const unpause = async (s: Session, container: string) =>
  run<typeof containerUnpause>(
    s,
    WorkflowTypes.unpause,
    { args: [{ container }] },
    { meta: await verbMetadata(s, 'unpause', container) },
  );

/** Where an exec's output goes as it is read: writers that wait while their reader is behind. */
export interface ExecSinks {
  stdout(text: string): Promise<void>;
  stderr(text: string): Promise<void>;
}

/** How often the output is read while the exec runs and has written nothing new. */
const OUTPUT_POLL_MS = 200;

export type ExecOutcome = { ok: true; value: ExecResult } | { ok: false; error: unknown };

/** An exec whose workflow has been started: its IDs and how it ends (never rejects). */
export interface StartedExec {
  /** the full container ID */
  containerId: string;
  execId: string;
  outcome: Promise<ExecOutcome>;
  /** true once the outcome is known */
  readonly settled: boolean;
}

/**
 * Starts the exec workflow of `input` (whose `container` is a full ID and `execId` chosen by the caller,
 * so its output can be paged while it runs). Rejects with Docker's error when the workflow cannot start.
 */
export async function startExec(
  s: Session,
  input: ExecInput & { execId: string },
  target: ContainerView,
): Promise<StartedExec> {
  let outcome: Promise<ExecOutcome>;
  try {
    const handle = await s.client.workflow.start<typeof containerExec>(WorkflowTypes.exec, {
      taskQueue: s.taskQueue,
      workflowId: execWorkflowId(input.execId),
      args: [input],
      ...containerVerbMetadata('exec', target, input.cmd.join(' '), [
        ['exec ID', input.execId],
        ['exec command', input.cmd.join(' ')],
        ['exec working dir', input.workingDir],
        ['exec environment variables', input.env?.length ? `${input.env.length} (values not shown)` : undefined],
      ]),
    });
    outcome = handle.result().then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  } catch (err) {
    throw toCliError(err, s.address);
  }
  let settled = false;
  void outcome.then(() => (settled = true));
  return {
    containerId: input.container,
    execId: input.execId,
    outcome,
    get settled() {
      return settled;
    },
  };
}

/**
 * Pages a started exec's stdout and stderr to `sinks` (bounded pages, from cursors, like logs -f) until it
 * has ended and all is read, or until `signal` aborts (its reader went away: no page is read after that).
 * Rejects with the exec's own failure when a page cannot be read because of it.
 */
export async function pageExecOutput(
  s: Session,
  started: StartedExec,
  sinks: ExecSinks,
  signal?: AbortSignal,
): Promise<void> {
  const aborted = signal
    ? new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }))
    : new Promise<void>(() => undefined);
  const cursor = { stdout: 0, stderr: 0 };
  while (!signal?.aborted) {
    const ended = started.settled; // read before the page: a page read after the end holds everything
    let page;
    try {
      page = await read(s, 'execOutput', { container: started.containerId, execId: started.execId, ...cursor });
    } catch (err) {
      const done = await Promise.race([started.outcome, sleep(0).then(() => undefined)]);
      if (done && !done.ok) throw toCliError(done.error, s.address); // its own failure says more
      throw err;
    }
    if (page.stdout.text) await sinks.stdout(page.stdout.text);
    if (page.stderr.text) await sinks.stderr(page.stderr.text);
    cursor.stdout = page.stdout.next;
    cursor.stderr = page.stderr.next;
    if (page.stdout.more || page.stderr.more) continue;
    if (ended) return;
    await Promise.race([sleep(OUTPUT_POLL_MS), started.outcome, aborted]);
  }
}

/**
 * docker exec: resolves the container, starts its exec workflow under an exec ID chosen here, and pages the
 * exec's stdout and stderr to `sinks` until it has ended and all is read. Resolves with its exit code;
 * rejects with Docker's error when it could not be created (409…).
 */
export async function exec(s: Session, request: ExecInput, sinks: ExecSinks): Promise<ExecResult> {
  const rec = await inspect(s, request.container);
  const execId = randomBytes(32).toString('hex');
  const started = await startExec(s, { ...request, container: rec.Id, execId }, rec);
  await pageExecOutput(s, started, sinks);
  const done = await started.outcome;
  if (!done.ok) throw toCliError(done.error, s.address);
  return done.value;
}
