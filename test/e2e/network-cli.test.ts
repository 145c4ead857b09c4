import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { imageImport } from '../../client/api';
import type { SimulatedRuntime } from '../../runtime/simulated-runtime';
import { simulatedRuntime } from '../runtimes';
import { cli, startTestWorker, type TestWorker } from '../harness';

// `container-saga network …` and create/run --network-alias/--ip through the real CLI (a child process),
// against an in-process worker on this file's own task queue (simulated driver, temp root).

let w: TestWorker;
let root: string;
let sim: SimulatedRuntime;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-net-cli-'));
  sim = simulatedRuntime(root);
  w = await startTestWorker(inject('temporalAddress'), sim);
  await imageImport(w.session, 'busybox', 'busybox-static');
});

afterAll(async () => {
  await w?.shutdown();
  if (root) await fs.rm(root, { recursive: true, force: true });
});

async function ok(...args: string[]): Promise<string> {
  const r = await cli(w, args);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

describe('container-saga network', () => {
  it('create, ls, inspect, run --network-alias --ip, connect, disconnect, rm, prune', async () => {
    const id = (
      await ok('network', 'create', '--subnet', '10.155.0.0/24', '--gateway', '10.155.0.254', '--label', 'a=b', 'cli1')
    ).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const ls = await ok('network', 'ls', '--filter', 'type=custom');
    expect(ls).toMatch(new RegExp(`^${id.slice(0, 12)}\\s+cli1\\s+bridge\\s+local\\s+\\S+`, 'm'));
    expect((await ok('network', 'ls', '-q', '--no-trunc', '-f', 'label=a=b')).trim()).toBe(id);
    expect((await ok('network', 'inspect', '-f', '{{json .IPAM.Config}}', 'cli1')).trim()).toBe(
      '[{"Subnet":"10.155.0.0/24","Gateway":"10.155.0.254"}]',
    );

    await ok(
      'run',
      '-d',
      '--name',
      'c1',
      '--network',
      'cli1',
      '--network-alias',
      'web',
      '--ip',
      '10.155.0.9',
      'busybox',
      'sleep',
      '600',
    );
    const [net] = JSON.parse(await ok('network', 'inspect', 'cli1'));
    expect(Object.values(net.Containers)).toEqual([
      expect.objectContaining({ Name: 'c1', IPv4Address: '10.155.0.9/24' }),
    ]);
    const [rec] = JSON.parse(await ok('inspect', 'c1'));
    expect(rec.NetworkSettings.Networks.cli1).toMatchObject({ Aliases: ['web'], IPAddress: '10.155.0.9' });

    const alias = await cli(w, ['network', 'connect', '--alias', 'x', 'bridge', 'c1']);
    expect([alias.code, alias.stderr]).toEqual([
      1,
      'Error response from daemon: network-scoped alias is supported only for containers in user defined networks\n',
    ]);
    await ok('network', 'connect', 'bridge', 'c1');
    expect(Object.keys(JSON.parse(await ok('inspect', 'c1'))[0].NetworkSettings.Networks).sort()).toEqual([
      'bridge',
      'cli1',
    ]);
    await ok('network', 'disconnect', 'bridge', 'c1');
    const notOn = await cli(w, ['network', 'disconnect', 'bridge', 'c1']);
    expect(notOn.code).toBe(1);
    expect(notOn.stderr).toMatch(
      /^Error response from daemon: container [0-9a-f]{64} is not connected to network bridge\n$/,
    );

    const inUse = await cli(w, ['network', 'rm', 'cli1']);
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toMatch(/has active endpoints/);
    expect(inUse.stderr).toMatch(/failed to remove networks: cli1/);
    await ok('rm', '-f', 'c1');
    expect((await ok('network', 'rm', 'cli1')).trim()).toBe('cli1');
    expect((await ok('network', 'rm', '-f', 'cli1')).trim()).toBe('cli1');

    await ok('network', 'create', 'cli2');
    expect(await ok('network', 'prune', '-f')).toBe('Deleted Networks:\ncli2\n');
    expect((await ok('network', 'ls', '-q', '-f', 'type=custom')).trim()).toBe('');
  });

  it("flags and bad input: Docker's exit codes and messages", async () => {
    const alias = await cli(w, ['create', '--network-alias', 'x', 'busybox']);
    expect(alias.code).toBe(125);
    expect(alias.stderr).toMatch(/network-scoped aliases are only supported for user-defined networks/);
    const ip = await cli(w, ['create', '--ip', '10.1.1.1', 'busybox']);
    expect([ip.code, ip.stderr]).toEqual([
      1,
      'Error response from daemon: user specified IP address is supported on user defined networks only\n',
    ]);
    const filter = await cli(w, ['network', 'ls', '-f', 'dangling=maybe']);
    expect(filter.code).toBe(1);
    expect(filter.stderr).toMatch(/invalid value for filter 'dangling'/);
    const missing = await cli(w, ['network', 'inspect', 'nope']);
    expect([missing.code, missing.stderr]).toEqual([1, 'Error response from daemon: network nope not found\n']);
    const gw = await cli(w, ['network', 'create', '--gateway', '10.156.0.1', 'gwonly']);
    expect(gw.stderr).toMatch(/every ip-range or gateway must have a corresponding subnet/);
    expect((await ok('network', 'ls', '-q', '-f', 'type=custom')).trim()).toBe('');
  });
});
