/**
 * cp, diff, export and commit on the simulated driver through Docker's CLI: its rootfs directory holds what was
 * written (nothing is mounted), diff compares it with the image's layers, commit makes it a layer of a new image.
 * The spool is the simulated worker's state root.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveSpoolDir } from '../../images/archive-paths';
import { docker, simulatedApiSuite } from '../api-harness';

const suite = simulatedApiSuite('cp-sim', () => ({
  CONTAINER_SAGA_ROOT: suite.sim.root,
  CONTAINER_SAGA_HOST: suite.sim.hostName,
}));
let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-cp-sim-'));
});
afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

async function ok(args: string[]): Promise<string> {
  const r = await docker(suite.api, args);
  expect(r.code, `docker ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

describe('cp, diff, export and commit (simulated driver)', () => {
  it('cp in and out, diff, export, commit; a missing path and a missing container', async () => {
    await ok(['create', '--name', 's1', 'busybox', 'true']);
    await fs.mkdir(path.join(dir, 'conf'));
    await fs.writeFile(path.join(dir, 'conf', 'a.txt'), 'simulated\n');
    await ok(['cp', path.join(dir, 'conf'), 's1:/']);
    await ok(['cp', 's1:/conf/a.txt', path.join(dir, 'back.txt')]);
    expect(await fs.readFile(path.join(dir, 'back.txt'), 'utf8')).toBe('simulated\n');
    expect((await ok(['diff', 's1'])).trim().split('\n')).toEqual(['A /conf', 'A /conf/a.txt']);

    const out = path.join(dir, 's1.tar');
    await ok(['export', '-o', out, 's1']);
    expect(execFileSync('tar', ['-tf', out], { encoding: 'utf8' })).toContain('./conf/a.txt');

    const id = (await ok(['commit', '-c', 'LABEL from=sim', 's1', 'simcommit'])).trim();
    const [img] = JSON.parse(await ok(['image', 'inspect', 'simcommit'])) as [
      { Id: string; Config: { Labels: Record<string, string> }; RootFS: { Layers: string[] } },
    ];
    expect(img).toMatchObject({ Id: id, Config: { Labels: { from: 'sim' } } });
    expect(img.RootFS.Layers).toHaveLength(2);

    const missing = await docker(suite.api, ['cp', 's1:/nope', path.join(dir, 'x')]);
    expect([missing.code, missing.stderr.trim()]).toEqual([1, 'Error: No such container:path: s1:/nope']);
    const nope = await docker(suite.api, ['commit', 'nope']);
    expect(nope.stderr.trim()).toBe('Error response from daemon: No such container: nope');
    expect(await fs.readdir(archiveSpoolDir(suite.sim.root))).toEqual([]);
    await ok(['rm', 's1']);
    await ok(['rmi', 'simcommit']);
  });
});
