import { checkWorkflowInput } from '../common/input-check';
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
import type { ContainerRuntime } from '../runtime/contract';
import { withHeartbeat } from './heartbeat';
import { classified } from './to-failure';

/** Activities behind kill, pause, unpause and exec: one runtime call each (runtime/pause.ts, runtime/exec.ts). */
export function createVerbActivities(runtime: ContainerRuntime) {
  return {
    async killContainer(input: KillInput): Promise<KillResult> {
      return classified(() => withHeartbeat(() => runtime.kill(input.container, input.signal)));
    },
    async pauseContainer(input: PauseInput): Promise<PauseResult> {
      return classified(() => runtime.pause(input.container));
    },
    async unpauseContainer(input: PauseInput): Promise<PauseResult> {
      return classified(() => runtime.unpause(input.container));
    },
    async createExec(input: ExecInput): Promise<{ containerId: string; execId: string }> {
      return classified(() => {
        checkWorkflowInput('containerExec', input);
        return runtime.createExec(input);
      });
    },
    /**
     * Runs the exec to its end: heartbeats while it runs; a cancellation kills it (and reports cancelled). A
     * retry after a worker crash adopts the exec that runs (it is never started twice).
     */
    async runExec(input: { containerId: string; execId: string; exec: ExecInput }): Promise<ExecResult> {
      return classified(() =>
        withHeartbeat((ctx) => runtime.runExec(input.containerId, input.execId, input.exec, ctx)),
      );
    },
    async readExecOutput(input: ExecOutputInput): Promise<ExecOutputResult> {
      return classified(() => {
        checkWorkflowInput('containerExecOutput', input);
        return runtime.readExecOutput(input);
      });
    },
  };
}

export type VerbActivities = ReturnType<typeof createVerbActivities>;
