/**
 * cp and export across two hosts (simulated driver, in-process workers `a` and `b` on one task queue): the Engine
 * API beside host `b` copies to and from b's containers, and answers 501 naming the host for a container of `a`,
 * with nothing left in its spool. diff and commit run on the container's host wherever the API is.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { claimStateRoot } from '../../worker/host-root';
import { docker, startTestApi, type TestApi } from '../api-harness';
import { startTestWorker, type TestWorker } from '../harness';
import { createOn, importOn, untilLive } from '../hosts-fixture';
import { simulatedRuntime } from '../runtimes';

const HOSTS = ['a', 'b'] as const;
type Host = (typeof HOSTS)[number];
const workers = {} as Record<Host, TestWorker>;
const roots = {} as Record<Host, string>;
let dir: string;
let api: TestApi | undefined;

beforeAll(async () => {
  const address = inject('temporalAddress');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-cp-hosts-'));
  for (const h of HOSTS) {
    roots[h] = await fs.mkdtemp(path.join(os.tmpdir(), `cs-cp-${h}-`));
    await claimStateRoot(roots[h], h);
    workers[h] = await startTestWorker(address, simulatedRuntime(roots[h], { host: h }), {
      identity: `worker-${h}`,
      ...(h === 'b' ? { taskQueue: workers.a.taskQueue } : {}),
    });
  }
  await untilLive(workers.a.session, HOSTS);
  for (const h of HOSTS) {
    await importOn(workers.a.session, 'busybox', 'busybox-static', h);
    await createOn(workers.a.session, { image: 'busybox', cmd: ['true'], name: `on-${h}` }, h);
  }
  api = await startTestApi(workers.a, { CONTAINER_SAGA_ROOT: roots.b, CONTAINER_SAGA_HOST: 'b' });
}, 120_000);

afterAll(async () => {
  await api?.close();
  for (const h of HOSTS) await workers[h]?.shutdown();
  for (const d of [dir, ...Object.values(roots)]) if (d) await fs.rm(d, { recursive: true, force: true });
});

describe('cp across hosts', () => {
  it("the API copies on its own host's containers and answers 501 naming the host for another's", async () => {
    const f = path.join(dir, 'f');
    await fs.writeFile(f, 'x\n');
    const here = await docker(api!, ['cp', f, 'on-b:/f']);
    expect([here.code, here.stderr]).toEqual([0, '']);
    const there = await docker(api!, ['cp', f, 'on-a:/f']);
    expect(there.code).toBe(1);
    expect(there.stderr).toContain('Error response from daemon: container on-a is on host a, not on b');
    const exported = await docker(api!, ['export', '-o', path.join(dir, 'a.tar'), 'on-a']);
    expect(exported.stderr).toContain('container on-a is on host a, not on b');
    // diff and commit need no spool: they run on a's worker
    const diff = await docker(api!, ['diff', 'on-b']);
    expect([diff.code, diff.stdout]).toEqual([0, 'A /f\n']);
    const commit = await docker(api!, ['commit', 'on-a', 'from-a']);
    expect(commit.stdout).toMatch(/^sha256:/);
    expect(await fs.readdir(path.join(roots.b, 'archive-spool'))).toEqual([]);
  });
});
