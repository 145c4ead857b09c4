import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, inject } from 'vitest';
import { SearchAttributeTypes } from '../../common/names';
import { WORKFLOW_BUNDLE } from '../../worker/create';

/** The project's search attributes as the operator service's IndexedValueType numbers (Keyword 2, Int 3). */
function indexedTypes(): Record<string, number> {
  return Object.fromEntries(Object.entries(SearchAttributeTypes).map(([name, type]) => [name, type === 'Int' ? 3 : 2]));
}

const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never;

/**
 * A file's time-skipping test server (time skipping is global to a server: one per file) and the workflow
 * bundle, made before its tests and torn down after. The saga's search attributes are registered, as the
 * dev server registers them.
 */
export function timeSkippingSuite(): WorkflowSuite {
  return workflowSuite(() =>
    TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: inject('testServerPath') } },
    }),
  );
}

/**
 * The same on the run's dev server (the real server, no time skipping), for workflows whose timers run beside a
 * long activity anyway (the test server skips no time then) and whose commands the test server refuses: it
 * answered a workflow task that cancelled the monitor's probe timer as its wait for the exit completed with
 * "invalid history builder state for action", and the run hung.
 */
export function devServerSuite(): WorkflowSuite {
  return workflowSuite(() => TestWorkflowEnvironment.createFromExistingServer({ address: inject('temporalAddress') }));
}

export interface WorkflowSuite {
  readonly env: TestWorkflowEnvironment;
  readonly bundle: WorkflowBundleWithSourceMap;
}

function workflowSuite(make: () => Promise<TestWorkflowEnvironment>): WorkflowSuite {
  let env: TestWorkflowEnvironment | undefined;
  let bundle: WorkflowBundleWithSourceMap | undefined;
  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    env = await make();
    await env.connection.operatorService
      .addSearchAttributes({
        namespace: env.namespace ?? 'default',
        searchAttributes: indexedTypes(),
      })
      .catch(() => undefined);
    bundle = await bundleWorkflowCode({ ...WORKFLOW_BUNDLE, logger: quietLogger });
  });
  afterAll(async () => {
    await env?.teardown();
  });
  return {
    get env() {
      return env!;
    },
    get bundle() {
      return bundle!;
    },
  };
}
