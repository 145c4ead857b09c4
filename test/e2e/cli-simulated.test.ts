import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ContainerStartResult } from '../../common/start-api';
import type { ContainerEvent, ContainerRecord } from '../../common/types';
import { SimulatedRuntime } from '../../runtime/simulated/driver';
import { cli, startTestWorker, type TestWorker } from '../harness';

// End to end on the dev-server binary, through the real CLI, with the simulated driver.

let w: TestWorker;
let root: string;
let sim: SimulatedRuntime;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-e2e-sim-'));
  sim = new SimulatedRuntime(root);
  w = await startTestWorker(inject('temporalAddress'), sim);
});

afterAll(async () => {
  await w?.shutdown();
  await fs.rm(root, { recursive: true, force: true });
});

const STEPS = ['lookup', 'check-state', 'verify-settings', 'claim', 'mount-rootfs', 'default-net-mode', 'network', 'links',
  'working-dir', 'daemon-env', 'spec', 'ipc', 'volumes', 'process', 'mark-running'];

async function inspect(name: string): Promise<ContainerRecord> {
  const r = await cli(w, ['inspect', name]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as ContainerRecord[])[0]!;
}

describe('container-saga CLI on the dev server (simulated driver)', () => {
  it('create + start: live steps, then inspect shows it running', async () => {
    const created = await cli(w, ['create', '--name', 'web', '-e', 'A=1', '--expose', '80', 'busybox', 'sleep', '1000']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);

    const started = await cli(w, ['start', 'web']);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toBe('web\n');
    const shown = [...started.stderr.matchAll(/✓ (\S+)/g)].map((m) => m[1]);
    expect(shown).toEqual(STEPS);

    const rec = await inspect('web');
    expect(rec.Id).toBe(created.stdout.trim());
    expect(rec.Name).toBe('/web');
    expect(rec.State).toMatchObject({ Status: 'running', Running: true, ExitCode: 0, Error: '' });
    expect(rec.State.Pid).toBeGreaterThan(0);
    expect(rec.NetworkSettings.IPAddress).toMatch(/^10\.88\.\d+\.\d+$/);

    const ps = await cli(w, ['ps']);
    expect(ps.stdout).toMatch(/CONTAINER ID\s+IMAGE\s+COMMAND/);
    expect(ps.stdout).toMatch(new RegExp(`${rec.Id.slice(0, 12)}\\s+busybox\\s+"sleep 1000".*Up .*80/tcp\\s+web`));

    // Starting a running container is Docker's 304: done, not an error.
    const again = await cli(w, ['start', 'web']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe('web\n');

    const events = await cli(w, ['events', '--no-follow', '--json']);
    const mine = events.stdout.trim().split('\n').map((l) => JSON.parse(l) as ContainerEvent).filter((e) => e.id === rec.Id);
    expect(mine.map((e) => e.action)).toEqual(['create', 'start']);
  });

  it('an injected failure is compensated in reverse, recorded, and leaves nothing behind', async () => {
    const created = await cli(w, ['create', '--name', 'broken', '-v', 'brokenvol:/data', '--label', 'container-saga.faults=volumes=fail', 'busybox', 'sleep', '1000']);
    expect(created.code, created.stderr).toBe(0);
    const id = created.stdout.trim();

    const started = await cli(w, ['start', 'broken']);
    expect(started.code).toBe(1);
    expect(started.stdout).toBe('');
    expect(started.stderr).toContain('Error response from daemon: injected failure at volumes\n');
    expect([...started.stderr.matchAll(/↺ (\S+)/g)].map((m) => m[1])).toEqual(['unmount-volumes', 'unmount-ipc', 'remove-spec', 'release-network', 'unmount-rootfs']);
    expect([...started.stderr.matchAll(/✓ (\S+)/g)].map((m) => m[1])).not.toContain('volumes');

    const rec = await inspect('broken');
    expect(rec.State).toMatchObject({ Running: false, ExitCode: 128, Error: 'injected failure at volumes' });
    expect(rec.NetworkSettings.IPAddress).toBe('');
    expect((await sim.heldResources()).filter((h) => h.containerId === id)).toEqual([]);

    const events = await cli(w, ['events', '--no-follow', '--json']);
    const actions = events.stdout.trim().split('\n').map((l) => JSON.parse(l) as ContainerEvent).filter((e) => e.id === id).map((e) => e.action);
    expect(actions).toEqual(['create', 'die']);
  });

  it('start --json prints the saga result', async () => {
    await cli(w, ['create', '--name', 'json1', 'busybox', 'true']);
    const r = await cli(w, ['start', '--json', 'json1']);
    expect(r.code, r.stderr).toBe(0);
    const [result] = JSON.parse(r.stdout) as ContainerStartResult[];
    expect(result).toMatchObject({ name: 'json1', status: 'running', compensations: [], leftovers: [] });
    expect(result!.steps).toEqual(STEPS);
  });

  it('bad input: one line on stderr, a non-zero exit, nothing created', async () => {
    const before = await cli(w, ['ps', '-a', '--json']);
    const cases: Array<[string[], number, RegExp]> = [
      [['create', '--shm-size', 'abc', 'busybox'], 125, /invalid argument "abc" for "--shm-size" flag/],
      [['create', '--frobnicate', 'busybox'], 125, /unknown option '--frobnicate'/],
      [['create', '--network', 'bogus', 'busybox'], 125, /invalid argument "bogus" for "--network" flag/],
      [['create', '--restart', 'sometimes', 'busybox'], 125, /invalid restart policy sometimes/],
      [['create', '-v', 'data', 'busybox'], 125, /invalid argument "data" for "--volume" flag/],
      [['create', '--name', 'web', 'busybox'], 1, /Conflict\. The container name "\/web" is already in use/],
      [['start', 'nosuch'], 1, /^Error response from daemon: No such container: nosuch$/m],
      [['frobnicate'], 125, /unknown command 'frobnicate'/],
    ];
    for (const [args, code, pattern] of cases) {
      const r = await cli(w, args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr, args.join(' ')).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /); // never a stack trace
      if (args[0] === 'create') expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    const after = await cli(w, ['ps', '-a', '--json']);
    expect(JSON.parse(after.stdout)).toEqual(JSON.parse(before.stdout));
  });
});
