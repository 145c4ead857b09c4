import { ActivityCancellationType, uuid4, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type {
  ExecInput,
  ExecOutputInput,
  ExecOutputResult,
  ExecResult,
  KillInput,
  KillResult,
  PauseInput,
  PauseResult,
} from '../common/verbs-api';
import { checkInput, surfaced } from './failures';
import { execOutput as execOutputOnHost } from './host-verbs';
import { locate, onHost } from './host-routing';
import { fast, lifecycle } from './options';

/**
 * kill, pause, unpause and exec: each a workflow run by the worker that owns the container, its failure the
 * Docker error type and message at the top level (as the verbs of ops.ts).
 */
/**
 * The activities of the container's host (located first, the activity on its host queue); `call` runs the
 * verb's activity with its input. The host resolves the same ref to the same container (locate found it
 * unique across hosts), and Docker's messages name the ref the user gave, so the input goes as it is.
 */
async function onContainerHost<I extends { container: string }, R>(
  input: I,
  options: ActivityOptions,
  call: (acts: Activities, input: I) => Promise<R>,
): Promise<R> {
  const at = await locate(input.container);
  return call(onHost(at.host, options), input);
}

/**
 * An exec runs as long as its command: no start-to-close bound worth having, a heartbeat instead (a dead
 * worker is noticed in 10 s and the retry adopts the exec, which runs on under its shim). Cancelling the
 * workflow cancels the activity, which kills the exec; the workflow waits for that.
 */
const execRunning: ActivityOptions = {
  startToCloseTimeout: '7d',
  heartbeatTimeout: '10s',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 5 },
};

/** docker kill [-s SIGNAL] of one container. */
export function containerKill(input: KillInput): Promise<KillResult> {
  checkInput('containerKill', input);
  return surfaced(() => onContainerHost(input, lifecycle, (acts, i) => acts.killContainer(i)));
}

/** docker pause of one container. */
export function containerPause(input: PauseInput): Promise<PauseResult> {
  checkInput('containerPause', input);
  return surfaced(() => onContainerHost(input, fast, (acts, i) => acts.pauseContainer(i)));
}

/** docker unpause of one container. */
export function containerUnpause(input: PauseInput): Promise<PauseResult> {
  checkInput('containerUnpause', input);
  return surfaced(() => onContainerHost(input, fast, (acts, i) => acts.unpauseContainer(i)));
}

/** 64 hex digits from the workflow's deterministic random source (when the client chose no exec ID). */
function newExecId(): string {
  return (uuid4() + uuid4()).replace(/-/g, '');
}

/**
 * docker exec (non-interactive): registers the exec on the container, runs it to its end, unregisters it.
 * The result is its exit code (and Docker's message when it could not start); the output is read in pages
 * with containerExecOutput, while it runs and after.
 */
export function containerExec(input: ExecInput): Promise<ExecResult> {
  checkInput('containerExec', input);
  return surfaced(async () => {
    const exec = { ...input, execId: input.execId ?? newExecId() };
    // the exec runs on the container's host; its run waits for that host however long it is away
    const at = await locate(input.container);
    const { containerId, execId } = await onHost(at.host, fast).createExec(exec);
    return onHost(at.host, execRunning, { waitForHost: true }).runExec({ containerId, execId, exec: input });
  });
}

/** One bounded page of an exec's stdout and stderr. */
export function containerExecOutput(input: ExecOutputInput): Promise<ExecOutputResult> {
  checkInput('containerExecOutput', input);
  return surfaced(() => execOutputOnHost(input));
}
