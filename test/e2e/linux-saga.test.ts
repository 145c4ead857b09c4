import { readFileSync, readlinkSync } from 'node:fs';
import { afterAll, describe, expect } from 'vitest';
import { createContainer, inspect, readEvents, remove, startContainer, stop } from '../../client/api';
import { CliError } from '../../client/errors';
import { HOST_STEPS } from '../../common/steps';
import type { CreateRequest } from '../../common/types';
import { FAULT_LABEL } from '../../runtime/faults';
import { leaksOf } from '../../runtime/drivers/linux/probe';
import { cli, until } from '../harness';
import { addressesOf, linuxSuite, testNetwork } from '../linux-fixture';
import { inside } from '../linux-inside';

// Real containers through the saga on the dev server: busybox really runs in its own netns with an IP,
// and a failure at any side-effecting step (before or after its side effect) leaves nothing behind.
// Needs root: without it every test FAILS with the reason (CI runs as root).

const NET = testNetwork('e2e/linux-saga');
const suite = linuxSuite('cs-e2e-linux', NET);
const rootIt = suite.it;

async function createAndStart(req: CreateRequest) {
  const { Id } = await createContainer(suite.w.session, req);
  const result = await startContainer(suite.w.session, Id);
  return { id: Id, result, rec: await inspect(suite.w.session, Id) };
}

describe('real containers through the saga (Linux driver)', () => {
  rootIt('image import and image ls through the CLI', async () => {
    const imported = await cli(suite.w, ['image', 'import', 'tools', 'busybox-static']);
    expect(imported.code, imported.stderr).toBe(0);
    const ls = await cli(suite.w, ['image', 'ls', '--json']);
    const names = (JSON.parse(ls.stdout) as Array<{ name: string; sizeBytes: number }>).map((i) => i.name).sort();
    expect(names).toEqual(['busybox', 'tools']);
  });

  rootIt('a bridge container runs with its hostname, an IP on eth0, its volume and its /dev/shm', async () => {
    const { rec, result } = await createAndStart({
      name: 'web',
      image: 'busybox',
      cmd: ['sleep', '1000'],
      hostname: 'webhost',
      env: ['GREETING=hi'],
      exposedPorts: ['80'],
      hostConfig: { Binds: ['webdata:/data'], Tmpfs: { '/scratch': 'size=1m' }, ShmSize: 8 * 1024 * 1024 },
    });
    expect(result.status).toBe('running');
    const pid = rec.State.Pid;
    // the pid runc reports is `runc init` until it execs the command, moments later
    const command = () => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    expect(
      await until(
        'the process to be its command',
        async () => (command() === 'sleep' ? command() : undefined),
        10_000,
        20,
      ),
    ).toBe('sleep');
    expect(inside(pid, ['hostname'], ['-u']).trim()).toBe('webhost');
    const ip = inside(pid, ['ip', '-4', '-o', 'addr', 'show', 'eth0'], ['-n']);
    expect(ip).toContain(`inet ${rec.NetworkSettings.IPAddress}/16`);
    expect(rec.NetworkSettings.IPAddress).toMatch(addressesOf(NET.subnet).ip);
    expect(readlinkSync(`/proc/${pid}/ns/net`)).not.toBe(readlinkSync('/proc/self/ns/net'));
    const mounts = readFileSync(`/proc/${pid}/mounts`, 'utf8');
    expect(mounts).toMatch(/ \/data /);
    expect(mounts).toMatch(/tmpfs \/scratch tmpfs/);
    expect(mounts).toMatch(/ \/dev\/shm tmpfs .*size=8192k/);
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toEqual(
      expect.arrayContaining(['GREETING=hi', 'HOSTNAME=webhost']),
    );
  });

  rootIt("network none has only lo; container:X shares X's network namespace", async () => {
    const none = await createAndStart({
      name: 'isolated',
      image: 'busybox',
      cmd: ['sleep', '1000'],
      hostConfig: { NetworkMode: 'none' },
    });
    const links = inside(none.rec.State.Pid, ['ip', '-o', 'link'], ['-n']).trim().split('\n');
    expect(links.map((l) => l.split(': ')[1])).toEqual(['lo']);
    const web = await inspect(suite.w.session, 'web');
    const joined = await createAndStart({
      name: 'sidecar',
      image: 'busybox',
      cmd: ['sleep', '1000'],
      hostConfig: { NetworkMode: 'container:web' },
    });
    expect(readlinkSync(`/proc/${joined.rec.State.Pid}/ns/net`)).toBe(readlinkSync(`/proc/${web.State.Pid}/ns/net`));
  });

  rootIt("links put Docker's variables and a hosts entry in the container", async () => {
    const db = await createAndStart({
      name: 'db',
      image: 'busybox',
      cmd: ['sleep', '1000'],
      env: ['POSTGRES_PASSWORD=pw', 'PATH=/bin'],
      exposedPorts: ['5432'],
    });
    const app = await createAndStart({
      name: 'app',
      image: 'busybox',
      cmd: ['sleep', '1000'],
      hostConfig: { Links: ['db:database'] },
    });
    const env = readFileSync(`/proc/${app.rec.State.Pid}/environ`, 'utf8').split('\0');
    const ip = db.rec.NetworkSettings.IPAddress;
    expect(env).toEqual(
      expect.arrayContaining([
        `DATABASE_PORT=tcp://${ip}:5432`,
        `DATABASE_PORT_5432_TCP=tcp://${ip}:5432`,
        `DATABASE_PORT_5432_TCP_ADDR=${ip}`,
        'DATABASE_PORT_5432_TCP_PORT=5432',
        'DATABASE_PORT_5432_TCP_PROTO=tcp',
        'DATABASE_NAME=/app/database',
        'DATABASE_ENV_POSTGRES_PASSWORD=pw',
      ]),
    );
    expect(env.some((e) => e.startsWith('DATABASE_ENV_PATH='))).toBe(false);
    // Docker's legacy link line: IP, alias, the linked container's hostname, its name
    expect(readFileSync(`/proc/${app.rec.State.Pid}/root/etc/hosts`, 'utf8')).toContain(
      `${ip}\tdatabase ${db.rec.Config.Hostname} db`,
    );
  });

  rootIt('logs of a real container: 15 MB through the CLI in bounded pages, and -f until it exits', async () => {
    // 15,000 lines of 1,000 bytes: with conmon's ~46 bytes of time, stream and tag a line, its log file stays
    // under the default bound (20m), so no rotation drops a byte
    const big = await createAndStart({
      name: 'chatty',
      image: 'busybox',
      cmd: ['sh', '-c', 'l=0123456789; l=$l$l$l$l$l$l$l$l$l$l; l=$l$l$l$l$l$l$l$l$l$l; yes "${l%?}" | head -n 15000'],
    });
    for (let i = 0; i < 100 && (await inspect(suite.w.session, big.id)).State.Running; i++)
      await new Promise((r) => setTimeout(r, 100));
    const line = `${'0123456789'.repeat(100).slice(0, 999)}\n`;
    const all = await cli(suite.w, ['logs', 'chatty']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout.length).toBe(15_000 * 1_000);
    expect(all.stdout === line.repeat(15_000)).toBe(true);
    expect((await cli(suite.w, ['logs', '--tail', '2', 'chatty'])).stdout).toBe(line.repeat(2));

    await createAndStart({
      name: 'ticker',
      image: 'busybox',
      cmd: ['sh', '-c', 'for i in 1 2 3; do echo tick $i; sleep 0.4; done'],
    });
    const followed = await cli(suite.w, ['logs', '-f', 'ticker']);
    expect([followed.code, followed.stdout]).toEqual([0, 'tick 1\ntick 2\ntick 3\n']);
    expect((await inspect(suite.w.session, 'ticker')).State.Status).toBe('exited');
  });

  // The leak matrix: a permanent failure at each side-effecting step (every host step of the table), before
  // and after its side effect.
  const matrix: string[] = [];
  for (const mode of ['fail', 'fail-after']) {
    for (const { name: step } of HOST_STEPS) {
      rootIt(`${step}=${mode}: compensated, nothing left, error and ExitCode 128 recorded, die emitted`, async () => {
        const { Id } = await createContainer(suite.w.session, {
          image: 'busybox',
          cmd: ['sleep', '1000'],
          workingDir: '/srv/app',
          labels: { [FAULT_LABEL]: `${step}=${mode}` },
          hostConfig: { Binds: ['leakvol:/data'] },
        });
        const failure = await startContainer(suite.w.session, Id).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(failure).toBeInstanceOf(CliError);
        expect((failure as CliError).type).toBe('InjectedFault');
        expect((failure as CliError).record?.leftovers).toEqual([]);
        const leaks = await leaksOf(suite.rt.root, Id);
        matrix.push(
          `${step.padEnd(12)} ${mode.padEnd(10)} compensations=${(failure as CliError).record?.compensations.join(',')} leaked=${leaks.length === 0 ? 'none' : leaks.join(';')}`,
        );
        expect(leaks).toEqual([]);
        const rec = await inspect(suite.w.session, Id);
        expect(rec.State).toMatchObject({ Running: false, ExitCode: 128 });
        expect(rec.State.Error).toContain(`injected failure at ${step}`);
        const { events } = await readEvents(suite.w.session, 0);
        expect(events.filter((e) => e.id === Id).map((e) => e.action)).toEqual(['create', 'die']);
      });
    }
  }
  afterAll(() => {
    if (matrix.length > 0) console.log(`leak matrix (step × mode):\n${matrix.join('\n')}`);
  });

  rootIt('a container whose process exits shows Exited with its code, and starts again through the saga', async () => {
    // The first run exits 3; the second finds its marker on the volume and stays up, so
    // the Running check below cannot race the process exiting again on a slow machine.
    const script = 'if [ -e /data/ran ]; then exec sleep 60; fi; touch /data/ran; sleep 0.3; exit 3';
    const { id } = await createAndStart({
      image: 'busybox',
      cmd: ['sh', '-c', script],
      hostConfig: { Binds: ['again:/data'] },
    });
    let rec = await inspect(suite.w.session, id);
    for (let i = 0; i < 100 && rec.State.Running; i++) {
      await new Promise((r) => setTimeout(r, 50));
      rec = await inspect(suite.w.session, id);
    }
    expect(rec.State).toMatchObject({ Status: 'exited', Running: false, ExitCode: 3 });
    const again = await startContainer(suite.w.session, id);
    expect(again.status).toBe('running');
    const restarted = await inspect(suite.w.session, id);
    expect(restarted.State).toMatchObject({ Status: 'running', Running: true });
    expect(restarted.State.Pid).not.toBe(rec.State.Pid);
    await remove(suite.w.session, id, true);
    expect(await leaksOf(suite.rt.root, id)).toEqual([]);
  });

  rootIt("command not found: exit code 127, Docker's error, nothing left", async () => {
    const { Id } = await createContainer(suite.w.session, { image: 'busybox', cmd: ['no-such-command'] });
    const failure = (await startContainer(suite.w.session, Id).catch((e: unknown) => e)) as CliError;
    expect(failure.type).toBe('CommandNotFound');
    expect((await inspect(suite.w.session, Id)).State.ExitCode).toBe(127);
    expect(await leaksOf(suite.rt.root, Id)).toEqual([]);
  });

  rootIt('stop and rm release everything', async () => {
    const { id, rec } = await createAndStart({
      name: 'shortlived',
      image: 'busybox',
      cmd: ['sleep', '1000'],
      hostConfig: { Binds: ['v2:/v'] },
    });
    expect((await leaksOf(suite.rt.root, id)).length).toBeGreaterThan(0); // a running container holds its resources
    const stopped = await stop(suite.w.session, 'shortlived', 1);
    expect(stopped).toMatchObject({ wasRunning: true });
    expect(await leaksOf(suite.rt.root, id)).toEqual([]);
    expect(() => process.kill(rec.State.Pid, 0)).toThrow();
    const after = await inspect(suite.w.session, id);
    expect(after.State).toMatchObject({ Status: 'exited', Running: false });
    await remove(suite.w.session, id, false);
    await expect(inspect(suite.w.session, id)).rejects.toMatchObject({ type: 'NoSuchContainer' });
    // rm -f of a running container: killed, released, gone
    const other = await createAndStart({ image: 'busybox', cmd: ['sleep', '1000'] });
    const refused = await remove(suite.w.session, other.id, false).catch((e: unknown) => e);
    expect((refused as CliError).type).toBe('Conflict');
    await remove(suite.w.session, other.id, true);
    expect(await leaksOf(suite.rt.root, other.id)).toEqual([]);
  });
});
