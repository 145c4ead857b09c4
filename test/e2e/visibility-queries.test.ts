import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createContainer, startContainer, stop } from '../../client/api';
import { CliError } from '../../client/errors';
import { OperatorQueries } from '../../client/visibility-queries';
import { kill } from '../../client/verbs-api';
import { SearchKeys } from '../../common/search-attributes';
import { FAULT_LABEL } from '../../runtime/faults';
import { simulatedRuntime } from '../runtimes';
import { REPO, startTestWorker, type TestWorker, until } from '../harness';

// The visibility queries of docs/web-ui.md, run with client.workflow.list({ query }) on the shared dev server against
// workflows started through the client library (which sets the summaries, details and search attributes)
// with the simulated driver. Each query is scoped to this file's task queue, since the server is shared.

let w: TestWorker;
let root: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-e2e-visibility-'));
  w = await startTestWorker(inject('temporalAddress'), simulatedRuntime(root));
});

afterAll(async () => {
  await w?.shutdown();
  if (root) await fs.rm(root, { recursive: true, force: true });
});

async function list(query: string): Promise<WorkflowExecutionInfo[]> {
  const found: WorkflowExecutionInfo[] = [];
  for await (const info of w.client.workflow.list({ query: `${query} AND TaskQueue = '${w.taskQueue}'` }))
    found.push(info);
  return found;
}

/** Visibility is written after the history: wait until the query finds `n` executions. */
const listed = (query: string, n: number) =>
  until(
    `${n} × ${query}`,
    async () => {
      const found = await list(query);
      return found.length === n ? found : undefined;
    },
    20_000,
    200,
  );

const failedStart = (name: string) =>
  startContainer(w.session, name).then(
    () => expect.fail(`start of ${name} should have failed`),
    (err: unknown) => expect(err).toBeInstanceOf(CliError),
  );

describe("the Web UI page's visibility queries (dev server, simulated driver)", () => {
  it("find a container's starts, the failed starts, those failed at the network step, the containers restarting", async () => {
    const started = Date.now();
    const s = w.session;
    await createContainer(s, { name: 'web', image: 'busybox', cmd: ['sleep', '3600'], env: ['SECRET=hunter2'] });
    await startContainer(s, 'web');
    await stop(s, 'web', 1);
    await startContainer(s, 'web');
    await createContainer(s, {
      name: 'netfail',
      image: 'busybox',
      cmd: ['sleep', '3600'],
      labels: { [FAULT_LABEL]: 'network=fail' },
    });
    await failedStart('netfail');
    await createContainer(s, {
      name: 'procfail',
      image: 'busybox',
      cmd: ['sleep', '3600'],
      labels: { [FAULT_LABEL]: 'process=fail' },
    });
    await failedStart('procfail');
    await createContainer(s, {
      name: 'flappy',
      image: 'busybox',
      cmd: ['sh', '-c', 'exit 1'],
      hostConfig: { RestartPolicy: { Name: 'always', MaximumRetryCount: 0 } },
    });
    await startContainer(s, 'flappy');

    // a container's starts: both of web's, with the dashboard summary and details (no env value)
    const starts = await listed(OperatorQueries.starts('web'), 2);
    for (const info of starts) {
      expect(info.status.name).toBe('COMPLETED');
      expect(info.typedSearchAttributes.get(SearchKeys.image)).toBe('busybox');
      const d = await w.client.workflow.getHandle(info.workflowId, info.runId).describe();
      expect(await d.staticSummary()).toBe('start web · busybox sleep 3600');
      const details = await d.staticDetails();
      expect(details).toContain(`- **container**: \`${info.typedSearchAttributes.get(SearchKeys.containerId)}\``);
      // the one it was given and the image's PATH (create merges the image's Env, as Docker's does)
      expect(details).toContain('- **environment variables**: `2 (values not shown)`');
      expect(details).not.toContain('hunter2');
    }

    // everything done to web: create (its ID upserted once made), two starts, stop, its monitor (one run per
    // start, unless the second start's hand-over reached the first run before it ended)
    const all = await until(
      "web's workflows",
      async () => {
        const found = await list(OperatorQueries.container('web'));
        const types = found
          .map((i) => i.type)
          .filter((t) => t !== 'containerMonitor')
          .sort();
        return types.join() === 'containerCreate,containerStart,containerStart,containerStop' &&
          found.length > types.length
          ? found
          : undefined;
      },
      20_000,
      200,
    );
    const ids = new Set(all.map((i) => i.typedSearchAttributes.get(SearchKeys.containerId)));
    expect([...ids]).toHaveLength(1);
    expect([...ids][0]).toMatch(/^[0-9a-f]{64}$/);

    // all failed starts: a start that compensated ends Failed
    const failed = await listed(OperatorQueries.failedStarts(), 2);
    expect(failed.map((i) => i.typedSearchAttributes.get(SearchKeys.containerName)).sort()).toEqual([
      'netfail',
      'procfail',
    ]);
    expect(failed.map((i) => i.typedSearchAttributes.get(SearchKeys.failedStep)).sort()).toEqual([
      'network',
      'process',
    ]);

    // starts that failed at the network step, and by error type
    const atNetwork = await listed(OperatorQueries.failedAt('network'), 1);
    expect(atNetwork[0]!.typedSearchAttributes.get(SearchKeys.containerName)).toBe('netfail');
    expect(atNetwork[0]!.typedSearchAttributes.get(SearchKeys.errorType)).toBe('InjectedFault');
    expect(await list(OperatorQueries.failedWith('InjectedFault'))).toHaveLength(2);

    // containers that are restarting: flappy's monitor, between an exit and its next run
    const restarting = await until(
      'flappy restarting',
      async () => {
        const found = await list(OperatorQueries.restarting());
        return found.length > 0 ? found : undefined;
      },
      20_000,
      50,
    );
    expect(restarting.map((i) => i.typedSearchAttributes.get(SearchKeys.containerName))).toEqual(['flappy']);
    expect(restarting[0]!.typedSearchAttributes.get(SearchKeys.restartCount)).toBeGreaterThanOrEqual(1);
    // a restart is a start of the container too
    await until(
      'a restart of flappy listed among its starts',
      async () => ((await list(OperatorQueries.starts('flappy'))).length >= 2 ? true : undefined),
      20_000,
      200,
    );

    // kill (stops the restarting) is listed with the container's attributes and the signal in its summary
    await kill(s, 'flappy', 'TERM').catch(() => undefined); // 409 when it is between runs: the stop below settles it
    await stop(s, 'flappy', 1);
    const killed = await listed(`WorkflowType = 'containerKill' AND ContainerName = 'flappy'`, 1);
    expect(await (await w.client.workflow.getHandle(killed[0]!.workflowId).describe()).staticSummary()).toBe(
      'kill flappy · TERM',
    );
    await until(
      'flappy no longer restarting',
      async () => ((await list(OperatorQueries.restarting())).length === 0 ? true : undefined),
      20_000,
      200,
    );
    console.log(`visibility queries: ${Date.now() - started} ms`);
  });

  it('are the ones the Web UI page shows (docs/web-ui.md)', async () => {
    const readme = await fs.readFile(path.join(REPO, 'docs', 'web-ui.md'), 'utf8');
    for (const q of [
      OperatorQueries.starts('web'),
      OperatorQueries.failedStarts(),
      OperatorQueries.failedAt('network'),
      OperatorQueries.restarting(),
      OperatorQueries.container('web'),
    ]) {
      expect(readme).toContain(q);
    }
  });
});
