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
import { cli } from '../harness';

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

  it('the project CLI: cp both ways (a tar on stdout with -), diff, export, commit, and its errors', async () => {
    const env = { CONTAINER_SAGA_ROOT: suite.sim.root, CONTAINER_SAGA_HOST: suite.sim.hostName };
    const cs = (args: string[]) => cli(suite.w, args, env);
    expect((await cs(['create', '--name', 's2', 'busybox', 'true'])).code).toBe(0);
    await fs.writeFile(path.join(dir, 'one.txt'), 'one\n');
    const into = await cs(['cp', path.join(dir, 'one.txt'), 's2:/renamed.txt']);
    expect(into.code, into.stderr).toBe(0);
    const out = await cs(['cp', 's2:/renamed.txt', path.join(dir, 'two.txt')]);
    expect(out.code, out.stderr).toBe(0);
    expect(await fs.readFile(path.join(dir, 'two.txt'), 'utf8')).toBe('one\n');
    const tar = await cs(['cp', 's2:/renamed.txt', '-']);
    expect([tar.code, tar.stdout.length % 512, tar.stdout]).toEqual([0, 0, expect.stringContaining('one\n')]);
    expect(tar.stdout).toContain('renamed.txt\0');
    expect((await cs(['diff', 's2'])).stdout).toBe('A /renamed.txt\n');
    const exported = path.join(dir, 's2.tar');
    expect((await cs(['export', '-o', exported, 's2'])).code).toBe(0);
    expect(execFileSync('tar', ['-tf', exported], { encoding: 'utf8' })).toContain('./renamed.txt');
    const committed = await cs(['commit', '-m', 'cli', 's2', 'clicommit:1']);
    expect(committed.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const missing = await cs(['cp', 's2:/nope', path.join(dir, 'x')]);
    expect([missing.code, missing.stderr.trim()]).toEqual([
      1,
      'Error response from daemon: Could not find the file /nope in container s2',
    ]);
    const noDir = await cs(['cp', path.join(dir, 'one.txt'), 's2:/missing/x']);
    expect(noDir.stderr.trim()).toBe('Error response from daemon: Could not find the file /missing in container s2');
    expect(await fs.readdir(archiveSpoolDir(suite.sim.root))).toEqual([]);
    await ok(['rm', 's2']);
    await ok(['rmi', 'clicommit:1']);
  });
});
