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
export function timeSkippingSuite(): {
  readonly env: TestWorkflowEnvironment;
  readonly bundle: WorkflowBundleWithSourceMap;
} {
  let env: TestWorkflowEnvironment | undefined;
  let bundle: WorkflowBundleWithSourceMap | undefined;
  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: inject('testServerPath') } },
    });
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
