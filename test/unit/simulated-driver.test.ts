/**
 * runtime/drivers/simulated/driver.ts under the HostRuntime (records, claim, steps, releaseAll) on a temp state root.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { inspectJson } from '../../api/convert/container-json';
import { DEFAULT_PATH_ENV } from '../../common/env';
import { HOST_STEPS, hostStep, RELEASE_ORDER, type HostStepName } from '../../common/steps';
import type { CreateRequest } from '../../common/types';
import type { HeldResource } from '../../runtime/contract';
import type { SimulatedRuntime } from '../../runtime/simulated-runtime';
import { simulatedRuntime } from '../runtimes';
import { expectError, hexId, rejected, tempDirEach, type ExpectedError } from './helpers';

const root = tempDirEach('sim');
let rt: SimulatedRuntime;

beforeEach(() => {
  rt = simulatedRuntime(root.path);
});

const sortHeld = (h: HeldResource[]) => [...h].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const held = async () => sortHeld(await rt.heldResources());

describe('create validates', () => {
  const conflict = (ids: { db: string }): ExpectedError => ({
    type: 'Conflict',
    message: `Conflict. The container name "/db" is already in use by container "${ids.db}". You have to remove (or rename) that container to be able to reuse that name.`,
  });
  it.each<[string, (ids: { db: string }) => CreateRequest, ExpectedError | typeof conflict]>([
    [
      'one-char name',
      () => ({ image: 'busybox', cmd: ['true'], name: 'a' }),
      { type: 'InvalidParameter', message: 'Invalid container name (a), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed' },
    ],
    [
      'name with a space',
      () => ({ image: 'busybox', cmd: ['true'], name: 'my web' }),
      {
        type: 'InvalidParameter',
        message: 'Invalid container name (my web), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed',
      },
    ],
    [
      'name starting with a dash',
      () => ({ image: 'busybox', cmd: ['true'], name: '/-web' }),
      {
        type: 'InvalidParameter',
        message: 'Invalid container name (/-web), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed',
      },
    ],
    ['duplicate name', () => ({ image: 'busybox', cmd: ['true'], name: 'db' }), conflict],
    ['duplicate name with slash', () => ({ image: 'busybox', cmd: ['true'], name: '/db' }), conflict],
    ['no image', () => ({ image: '' }), { type: 'InvalidParameter', message: 'No image was specified' }],
    [
      'link to a missing container',
      () => ({ image: 'busybox', cmd: ['true'], hostConfig: { Links: ['nosuch:alias'] } }),
      { type: 'InvalidParameter', message: /^could not get container for nosuch/i },
    ],
    [
      'invalid hostConfig',
      () => ({ image: 'busybox', cmd: ['true'], hostConfig: { Memory: 1 } }),
      { type: 'InvalidSettings', message: 'Minimum memory limit allowed is 6MB' },
    ],
    // Docker (translateWorkingDir): a relative working directory is refused at create.
    [
      'relative working dir',
      () => ({ image: 'busybox', cmd: ['true'], workingDir: 'app' }),
      { type: 'InvalidParameter', message: "the working directory 'app' is invalid, it needs to be an absolute path" },
    ],
  ])('%s', async (_what, req, want) => {
    const ids = { db: (await rt.create({ cmd: ['true'], image: 'busybox', name: 'db' })).Id };
    expectError(await rejected(rt.create(req(ids))), typeof want === 'function' ? want(ids) : want);
    expect((await rt.list()).map((c) => c.Name)).toEqual(['/db']);
  });

  it.each<[string, (ids: { db: string }) => CreateRequest, string]>([
    ['name without slash', () => ({ image: 'busybox', cmd: ['true'], name: 'web' }), '/web'],
    ['name with slash', () => ({ image: 'busybox', cmd: ['true'], name: '/web' }), '/web'],
    [
      'link by name',
      () => ({ image: 'busybox', cmd: ['true'], name: 'web', hostConfig: { Links: ['db:database'] } }),
      '/web',
    ],
    [
      'link by full ID',
      (ids) => ({ image: 'busybox', cmd: ['true'], name: 'web', hostConfig: { Links: [`${ids.db}:database`] } }),
      '/web',
    ],
    // Docker resolves a link with daemon.GetContainer, so a unique ID prefix works too.
    [
      'link by short ID',
      (ids) => ({
        image: 'busybox',
        cmd: ['true'],
        name: 'web',
        hostConfig: { Links: [`${ids.db.slice(0, 12)}:database`] },
      }),
      '/web',
    ],
  ])('accepts %s', async (_what, req, name) => {
    const db = await rt.create({ cmd: ['true'], image: 'busybox', name: 'db' });
    const { createWarnings, ...rec } = await rt.create(req({ db: db.Id }));
    expect(rec.Name).toBe(name);
    expect(rec.Id).toMatch(/^[0-9a-f]{64}$/);
    expect(createWarnings).toEqual([]); // create's answer, not stored in the record
    expect(await rt.lookup(rec.Id)).toEqual(rec);
  });

  // Docker (registerLinks): linking to a container that uses host networking is refused at create.
  it('refuses a link to a container on host networking', async () => {
    await rt.create({ cmd: ['true'], image: 'busybox', name: 'hostdb', hostConfig: { NetworkMode: 'host' } });
    expectError(
      await rejected(rt.create({ cmd: ['true'], image: 'busybox', name: 'web', hostConfig: { Links: ['hostdb:db'] } })),
      {
        type: 'InvalidParameter',
        message:
          "conflicting options: host type networking can't be used with links. This would result in undefined behavior",
      },
    );
  });

  it('a generated name is unique and valid, and the record starts "created"', async () => {
    const a = await rt.create({ cmd: ['true'], image: 'busybox' });
    const b = await rt.create({ cmd: ['true'], image: 'busybox' });
    expect(a.Name).toMatch(/^\/[a-z]+_[a-z]+$/);
    expect(a.Name).not.toBe(b.Name);
    expect(a.State).toMatchObject({ Status: 'created', Running: false, Pid: 0 });
    expect((await rt.events(0)).events.map((e) => [e.action, e.id])).toEqual([
      ['create', a.Id],
      ['create', b.Id],
    ]);
  });
});

/** A container that uses every step: bridge network, working dir, private IPC, a bind, a volume and a tmpfs. */
async function fullContainer(name = 'c1') {
  const src = path.join(root.path, 'host-src');
  await mkdir(src, { recursive: true });
  return rt.create({
    image: 'busybox',
    name,
    cmd: ['sleep', '100'],
    workingDir: '/app/work',
    hostConfig: { Binds: [`${src}:/data:ro`, 'vol1:/vol'], Tmpfs: { '/run': 'size=1m' } },
  });
}

const STEPS = HOST_STEPS.map((s) => s.name);
/** Runs a step; returns what the contract promises (process: `{ pid }`). */
async function run(step: HostStepName, id: string): Promise<unknown> {
  if (step === 'spec') return rt.acquire('spec', { id, env: ['PATH=/bin', 'HOSTNAME=h'], extraHosts: [] });
  return rt.acquire(step, { id } as never);
}

const RELEASES = RELEASE_ORDER;
/** The held-resource kinds each step's release frees. */
const FREES: Record<Exclude<HostStepName, 'working-dir'>, string[]> = {
  'mount-rootfs': ['mount rootfs'],
  network: ['netns', 'ip'],
  spec: ['bundle'],
  ipc: ['mount ipc'],
  volumes: ['mount volume'],
  process: ['process'],
};
const RELEASE_OF = Object.fromEntries(
  Object.entries(FREES).map(([step, kinds]) => [
    step,
    [hostStep(step as HostStepName & keyof typeof FREES).release, kinds] as const,
  ]),
);
const kindOf = (h: HeldResource) => (h.kind === 'mount' ? `mount ${h.detail.split(' ')[0]}` : h.kind);

describe('every step is idempotent: twice = once', () => {
  it.each(STEPS)('%s', async (step) => {
    const c = await fullContainer();
    for (const before of STEPS.slice(0, STEPS.indexOf(step))) await run(before, c.Id);
    const first = await run(step, c.Id);
    const heldOnce = await held();
    const recOnce = await rt.lookup(c.Id);
    const second = await run(step, c.Id);
    expect(second).toEqual(first);
    expect(await held()).toEqual(heldOnce);
    expect(await rt.lookup(c.Id)).toEqual(recOnce);
  });

  it('the steps together hold what the container needs', async () => {
    const c = await fullContainer();
    for (const step of STEPS) await run(step, c.Id);
    expect(new Set((await held()).map((h) => h.containerId))).toEqual(new Set([c.Id]));
    expect((await held()).map(kindOf).sort()).toEqual([
      'bundle',
      'ip',
      'mount ipc',
      'mount rootfs',
      'mount volume',
      'mount volume',
      'mount volume',
      'netns',
      'process',
    ]);
    // volumes, binds and tmpfs are mounted in path order
    expect((await rt.heldResources()).filter((h) => kindOf(h) === 'mount volume').map((h) => h.detail)).toEqual([
      'volume /data',
      'volume /run',
      'volume /vol',
    ]);
  });
});

describe('every release is idempotent and safe when its step never ran', () => {
  it.each(RELEASES)('%s on a created container, twice', async (release) => {
    const c = await fullContainer();
    await rt.release(release, c.Id);
    await rt.release(release, c.Id);
    expect(await held()).toEqual([]);
  });

  it.each(RELEASES)('%s for an ID with no record at all', async (release) => {
    await rt.release(release, hexId('dead'));
    expect(await held()).toEqual([]);
  });

  it.each(Object.entries(RELEASE_OF))(
    'after %s: its release frees exactly its resources, and again is a no-op',
    async (step, [release, kinds]) => {
      const c = await fullContainer();
      for (const s of STEPS.slice(0, STEPS.indexOf(step as HostStepName) + 1)) await run(s, c.Id);
      const before = await held();
      const expected = before.filter((h) => !kinds.includes(kindOf(h)));
      expect(expected.length).toBeLessThan(before.length);
      await rt.release(release, c.Id);
      expect(await held()).toEqual(expected);
      await rt.release(release, c.Id);
      expect(await held()).toEqual(expected);
    },
  );

  it('heldResources is empty after releaseAll, which reports no leftovers, twice', async () => {
    const c = await fullContainer();
    for (const step of STEPS) await run(step, c.Id);
    expect((await held()).length).toBeGreaterThan(0);
    expect(await rt.releaseAll(c.Id)).toEqual([]);
    expect(await held()).toEqual([]);
    expect(await rt.releaseAll(c.Id)).toEqual([]);
    expect(await held()).toEqual([]);
    expect((await rt.lookup(c.Id)).NetworkSettings.IPAddress).toBe('');
  });

  it("releaseAll of one container leaves another's resources alone", async () => {
    const a = await fullContainer('a1');
    const b = await fullContainer('b1');
    for (const step of STEPS) await run(step, a.Id);
    for (const step of STEPS) await run(step, b.Id);
    const bHeld = (await held()).filter((h) => h.containerId === b.Id);
    await rt.releaseAll(a.Id);
    expect(await held()).toEqual(bHeld);
  });
});

describe('network', () => {
  it('two bridge containers get distinct IPs in 10.88.0.0/16 (also when allocated concurrently)', async () => {
    const a = await rt.create({ cmd: ['true'], image: 'busybox', name: 'a1' });
    const b = await rt.create({ cmd: ['true'], image: 'busybox', name: 'b1' });
    const c = await rt.create({ cmd: ['true'], image: 'busybox', name: 'c1' });
    const [na, nb, nc] = await Promise.all([
      rt.acquire('network', { id: a.Id }),
      rt.acquire('network', { id: b.Id }),
      rt.acquire('network', { id: c.Id }),
    ]);
    const ips = [na.IPAddress, nb.IPAddress, nc.IPAddress];
    for (const ip of ips) expect(ip).toMatch(/^10\.88\.\d+\.\d+$/);
    expect(new Set(ips).size).toBe(3);
    expect((await rt.lookup(a.Id)).NetworkSettings.IPAddress).toBe(na.IPAddress);
    expect(
      (await held())
        .filter((h) => h.kind === 'ip')
        .map((h) => h.detail)
        .sort(),
    ).toEqual([...ips].sort());
  });

  it.each<[string, string, { ip: boolean; netns: boolean }]>([
    ['bridge', 'bridge', { ip: true, netns: true }],
    ['default', '', { ip: true, netns: true }],
    ['none', 'none', { ip: false, netns: true }],
    ['host', 'host', { ip: false, netns: false }],
  ])('network mode %s', async (_what, mode, want) => {
    const c = await rt.create({ cmd: ['true'], image: 'busybox', name: 'n1', hostConfig: { NetworkMode: mode } });
    const s = await rt.acquire('network', { id: c.Id });
    expect(s.IPAddress !== '').toBe(want.ip);
    expect(s.SandboxKey !== '').toBe(want.netns);
    expect((await held()).some((h) => h.kind === 'netns')).toBe(want.netns);
  });

  it.each<[string, 'missing' | 'created' | 'running' | 'self', ExpectedError | 'joins']>([
    ["X running: joins X's network", 'running', 'joins'],
    [
      'X only created',
      'created',
      { type: 'ContainerNotRunning', message: /^cannot join network (namespace )?of a non running container/ },
    ],
    ['X missing', 'missing', { type: 'NoSuchContainer', message: 'No such container: x1' }],
    ['X is itself', 'self', { type: 'InvalidParameter', message: /^cannot join own network/ }],
  ])('container:X — %s', async (_what, state, want) => {
    // create refuses a container:X naming no container, so X goes away after it, and "self" is set afterwards
    let x: Awaited<ReturnType<typeof rt.create>> | undefined = await rt.create({
      cmd: ['true'],
      image: 'busybox',
      name: 'x1',
    });
    const y = await rt.create({
      cmd: ['true'],
      image: 'busybox',
      name: 'y1',
      hostConfig: { NetworkMode: 'container:x1' },
    });
    if (state === 'self') await rt.setHostConfig(y.Id, { ...y.HostConfig, NetworkMode: 'container:y1' });
    if (state === 'missing') {
      await rt.remove(x.Id, false);
      x = undefined;
    }
    if (x && state === 'running') {
      await rt.acquire('network', { id: x.Id });
      await rt.markRunning(x.Id, 1234);
    }
    const heldBefore = await held();
    if (want === 'joins') {
      const s = await rt.acquire('network', { id: y.Id });
      // X's addresses and netns; X's endpoints stay X's (Docker lists none for a container:X container)
      const { Networks: xNetworks, ...xTop } = (await rt.lookup(x!.Id)).NetworkSettings;
      expect(s).toEqual(xTop);
      expect(Object.keys(xNetworks ?? {})).toEqual(['bridge']);
      expect(s.IPAddress).not.toBe('');
      // joining creates nothing of its own
      expect(await held()).toEqual(heldBefore);
      // and releasing it frees nothing of X's
      await rt.release('release-network', y.Id);
      expect(await held()).toEqual(heldBefore);
      expect((await rt.lookup(x!.Id)).NetworkSettings.IPAddress).toBe(s.IPAddress);
    } else {
      expectError(await rejected(rt.acquire('network', { id: y.Id })), want);
      expect(await held()).toEqual(heldBefore);
    }
  });
});

describe('other step rules', () => {
  it('working dir: a file in the way is NotADirectory with the container path', async () => {
    const c = await rt.create({ cmd: ['true'], image: 'busybox', name: 'w1', workingDir: '/etc/passwd/x' });
    const { path: rootfs } = await rt.acquire('mount-rootfs', { id: c.Id });
    await mkdir(path.join(rootfs, 'etc'));
    await writeFile(path.join(rootfs, 'etc', 'passwd'), 'root:x:0:0');
    expectError(await rejected(rt.acquire('working-dir', { id: c.Id })), {
      type: 'NotADirectory',
      message: 'Cannot mkdir: /etc/passwd/x is not a directory',
    });
  });

  it('working dir is created inside the rootfs', async () => {
    const c = await rt.create({ cmd: ['true'], image: 'busybox', name: 'w2', workingDir: '/app/work' });
    const { path: rootfs } = await rt.acquire('mount-rootfs', { id: c.Id });
    await rt.acquire('working-dir', { id: c.Id });
    expect(await readdir(path.join(rootfs, 'app'))).toEqual(['work']);
  });

  it.each<[string, string, boolean]>([
    ['private', '', true],
    ['shareable', 'shareable', true],
    ['host', 'host', false],
    ['none', 'none', false],
  ])('ipc %s mounts its own shm: %s', async (_what, mode, mounts) => {
    const c = await rt.create({
      image: 'busybox',
      cmd: ['true'],
      name: 'i1',
      hostConfig: { IpcMode: mode, ShmSize: mode === 'shareable' ? 1024 * 1024 : 0 },
    });
    await rt.acquire('ipc', { id: c.Id });
    const ipc = (await held()).filter((h) => kindOf(h) === 'mount ipc');
    expect(ipc.length).toBe(mounts ? 1 : 0);
  });

  // contract.ts: a bind source must exist (InvalidMount, with the message Docker gives for --mount type=bind).
  // Docker itself creates a missing source for a legacy -v bind; see the report.
  it('a bind whose source is missing is InvalidMount (the driver contract)', async () => {
    const missing = path.join(root.path, 'missing-src');
    const c = await rt.create({
      cmd: ['true'],
      image: 'busybox',
      name: 'v1',
      hostConfig: { Binds: [`${missing}:/data`] },
    });
    expectError(await rejected(rt.acquire('volumes', { id: c.Id })), {
      type: 'InvalidMount',
      message: `invalid mount config for type "bind": bind source path does not exist: ${missing}`,
    });
    expect(await held()).toEqual([]);
  });

  it('a container without a command is refused at create (400), and nothing is created', async () => {
    expectError(await rejected(rt.create({ image: 'busybox', name: 'p0' })), {
      type: 'InvalidParameter',
      message: 'No command specified',
    });
    expect(await rt.list()).toEqual([]);
  });

  it('a record from before image configs (its Cmd the whole command, no Entrypoint or User) reads and starts', async () => {
    const c = await rt.create({ cmd: ['sh', '-c', 'exit 0'], image: 'busybox', name: 'old' });
    await rt.store.update(c.Id, (r) => {
      r.Config = { ...r.Config, Env: ['A=1'] };
      for (const k of ['Entrypoint', 'User', 'Volumes'] as const) delete r.Config[k];
    });
    const shown = inspectJson(await rt.lookup(c.Id));
    expect(shown).toMatchObject({ Path: 'sh', Args: ['-c', 'exit 0'] });
    expect(shown.Config).toMatchObject({ Entrypoint: null, Cmd: ['sh', '-c', 'exit 0'], User: '', Volumes: null });
    expect(shown.Config.Env).toEqual([DEFAULT_PATH_ENV, 'A=1']);
    await rt.acquire('spec', { id: c.Id, env: ['PATH=/bin'], extraHosts: [] });
    const spec = JSON.parse(await readFile(path.join(rt.root, 'sim', 'bundles', c.Id, 'config.json'), 'utf8'));
    expect(spec.process).toMatchObject({
      args: ['sh', '-c', 'exit 0'],
      user: { uid: 0, gid: 0, additionalGids: [0] },
      env: ['PATH=/bin', 'HOME=/'],
    });
  });

  it('a record without a command (not made by create) does not start', async () => {
    const c = await rt.create({ cmd: ['true'], image: 'busybox', name: 'p1' });
    await rt.store.update(c.Id, (r) => {
      r.Path = '';
      r.Args = [];
    });
    expectError(await rejected(rt.acquire('process', { id: c.Id })), {
      type: 'StartFailed',
      message: 'No command specified',
    });
    expect(await held()).toEqual([]);
  });
});

describe('linkedContainers (setupLinkedContainers)', () => {
  it("a linked container that is not running is ContainerNotRunning with Docker's message", async () => {
    await rt.create({ cmd: ['true'], image: 'busybox', name: 'db' });
    const web = await rt.create({ cmd: ['true'], image: 'busybox', name: 'web', hostConfig: { Links: ['db:pg'] } });
    expectError(await rejected(rt.linkedContainers(web.Id)), {
      type: 'ContainerNotRunning',
      message: 'Cannot link to a non running container: /db AS /web/pg',
    });
  });

  it('a running linked container gives its name, alias, IP, ports and env', async () => {
    const db = await rt.create({
      image: 'busybox',
      cmd: ['true'],
      name: 'db',
      exposedPorts: ['5432', '53/udp'],
      env: ['PASSWORD=secret'],
    });
    const s = await rt.acquire('network', { id: db.Id });
    await rt.markRunning(db.Id, 4321);
    const web = await rt.create({ cmd: ['true'], image: 'busybox', name: 'web', hostConfig: { Links: ['db:pg'] } });
    expect(await rt.linkedContainers(web.Id)).toEqual([
      expect.objectContaining({
        name: '/db',
        alias: 'pg',
        ipAddress: s.IPAddress,
        exposedPorts: ['5432/tcp', '53/udp'],
        // the Config.Env create stored: PATH is Docker's default (linkEnv leaves it out of the parent's)
        env: ['PASSWORD=secret', DEFAULT_PATH_ENV],
      }),
    ]);
  });
});
