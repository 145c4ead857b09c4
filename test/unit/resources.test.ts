/**
 * Docker's resource and host-confinement rules (common/resources.ts, common/security-opt.ts checkHostSecurity):
 * --memory-swap (daemon_unix.go verifyPlatformContainerResources, create.go adaptContainerSettings), --ulimit
 * (go-units ParseUlimit), --oom-score-adj, --cgroupns; what they become in config.json (buildSpec), on the CLI
 * and in the Engine API's create body; and /dev/shm's host-side tmpfs options.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toCreateRequest } from '../../api/convert/create-request';
import { parseCreate, type CreateFlags } from '../../client/parse-create';
import { confinementOf } from '../../common/confinement';
import { adaptResources, memorySwapOf, parseUlimit } from '../../common/resources';
import { verifyHostConfig, type HostInfo } from '../../common/settings';
import { defaultHostConfig, type HostConfig } from '../../common/types';
import { buildSpec, type SpecInput } from '../../runtime/drivers/linux/spec';
import { shmOptions } from '../../runtime/steps/ipc';
import { simulatedRuntime } from '../runtimes';
import { tempDirEach, thrown, specInput, createFlags } from './helpers';

const MB = 1024 * 1024;
const V2: HostInfo = {
  os: 'linux',
  cpus: 4,
  memoryBytes: 8 * 1024 ** 3,
  cgroupMemory: true,
  cgroupCpu: true,
  cgroupPids: true,
  cgroupVersion: 2,
  swapLimit: true,
  appArmor: false,
  selinux: false,
};
const hc = (over: Partial<HostConfig>): HostConfig => ({ ...defaultHostConfig(), ...over });
/** verifyHostConfig then what create records */
const created = (over: Partial<HostConfig>, host: Partial<HostInfo> = {}) => {
  const h = hc(over);
  const warnings = verifyHostConfig(h, { ...V2, ...host });
  adaptResources(h, { ...V2, ...host });
  return { h, warnings };
};

describe('--memory-swap: swap = memory unless set; Docker’s 400s', () => {
  it.each<[string, Partial<HostConfig>, Partial<HostInfo>, number | undefined]>([
    ['--memory 64m alone: memory + swap = 128m (swap = memory)', { Memory: 64 * MB }, {}, 128 * MB],
    ['--memory-swap -1: unlimited swap', { Memory: 64 * MB, MemorySwap: -1 }, {}, -1],
    ['--memory-swap equal to memory: no swap', { Memory: 64 * MB, MemorySwap: 64 * MB }, {}, 64 * MB],
    ['--memory-swap 256m', { Memory: 64 * MB, MemorySwap: 256 * MB }, {}, 256 * MB],
    ['no memory limit: none', {}, {}, undefined],
    ['a host without swap accounting: -1 (memory limited without swap)', { Memory: 64 * MB }, { swapLimit: false }, -1],
  ])('%s', (_what, over, host, swap) => {
    const { h } = created(over, host);
    expect(memorySwapOf(h)).toBe(swap);
  });

  it('an older record (no MemorySwap) with memory gets twice the memory', () => {
    expect(memorySwapOf({ Memory: 10 * MB })).toBe(20 * MB);
  });

  it.each<[string, Partial<HostConfig>, string]>([
    [
      'lower than memory',
      { Memory: 64 * MB, MemorySwap: 32 * MB },
      'Minimum memoryswap limit should be larger than memory limit, see usage',
    ],
    [
      'without memory',
      { MemorySwap: 64 * MB },
      'You should always set the Memory limit when using Memoryswap limit, see usage',
    ],
  ])('%s: 400', (_what, over, message) => {
    expect(thrown(() => verifyHostConfig(hc(over), V2))).toMatchObject({ type: 'InvalidSettings', message });
  });

  it("a set swap limit on a host that cannot set one: Docker's warning, discarded", () => {
    const { h, warnings } = created({ Memory: 64 * MB, MemorySwap: 128 * MB }, { swapLimit: false });
    expect([h.MemorySwap, warnings]).toEqual([
      -1,
      [
        'Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.',
      ],
    ]);
  });
});

describe('--ulimit, --oom-score-adj, --cgroupns', () => {
  it.each<[string, unknown]>([
    ['nofile=512:1024', { Name: 'nofile', Soft: 512, Hard: 1024 }],
    ['nproc=100', { Name: 'nproc', Soft: 100, Hard: 100 }],
    ['core=-1', { Name: 'core', Soft: -1, Hard: -1 }],
    ['nofile', 'invalid ulimit argument: nofile'],
    ['files=1', 'invalid ulimit type: files'],
    ['nofile=1:2:3', 'too many limit value arguments - 1:2:3, can only have up to two, `soft:hard`'],
    ['nofile=2:1', 'ulimit soft limit must be less than or equal to hard limit: 2 > 1'],
    ['nofile=x', 'strconv.ParseInt: parsing "x": invalid syntax'],
  ])('%s', (text, want) => {
    if (typeof want === 'string') expect(() => parseUlimit(text)).toThrow(want);
    else expect(parseUlimit(text)).toEqual(want);
  });

  it.each<[string, Partial<HostConfig>, string]>([
    ['oom score above 1000', { OomScoreAdj: 1001 }, 'Invalid value 1001, range for oom score adj is [-1000, 1000]'],
    ['oom score below -1000', { OomScoreAdj: -1001 }, 'Invalid value -1001, range for oom score adj is [-1000, 1000]'],
    ['an unknown rlimit (API)', { Ulimits: [{ Name: 'files', Soft: 1, Hard: 1 }] }, 'invalid ulimit type: files'],
    [
      'soft above hard (API)',
      { Ulimits: [{ Name: 'nofile', Soft: 9, Hard: 8 }] },
      'ulimit soft limit must be less than or equal to hard limit: 9 > 8',
    ],
    [
      'a name twice',
      {
        Ulimits: [
          { Name: 'nofile', Soft: 1, Hard: 1 },
          { Name: 'nofile', Soft: 2, Hard: 2 },
        ],
      },
      'duplicate ulimit name: nofile',
    ],
    ['a cgroupns mode of neither', { CgroupnsMode: 'shared' as 'host' }, 'invalid cgroup namespace mode: shared'],
  ])('%s: 400', (_what, over, message) => {
    expect(thrown(() => verifyHostConfig(hc(over), V2))).toMatchObject({ type: 'InvalidSettings', message });
  });

  it("--oom-kill-disable: kept where the host has v1's oom_control, else Docker's warning and discarded", () => {
    expect(created({ OomKillDisable: true }, { oomKillDisable: true })).toEqual({
      h: expect.objectContaining({ OomKillDisable: true }),
      warnings: [],
    });
    expect(created({ OomKillDisable: true })).toEqual({
      h: expect.objectContaining({ OomKillDisable: false }),
      warnings: ['Your kernel does not support OomKillDisable. OomKillDisable discarded.'],
    });
    expect(buildSpec(input({ oomKillDisable: true })).linux.resources.memory).toEqual({ disableOOMKiller: true });
  });

  it('the default cgroup namespace: private on cgroup v2, host on v1; a mode given is kept', () => {
    expect(created({}).h.CgroupnsMode).toBe('private');
    expect(created({}, { cgroupVersion: 1 }).h.CgroupnsMode).toBe('host');
    expect(created({ CgroupnsMode: 'host' }).h.CgroupnsMode).toBe('host');
    expect(created({ CgroupnsMode: 'private' }, { cgroupVersion: 1 }).h.CgroupnsMode).toBe('private');
  });
});

describe('apparmor= and label= on a host without AppArmor or SELinux: refused, not ignored', () => {
  it.each<[string, Partial<HostInfo>, string]>([
    ['apparmor=foo', {}, 'AppArmor is not enabled on this host: cannot apply --security-opt apparmor=foo'],
    ['label=type:foo_t', {}, 'SELinux is not enabled on this host: cannot apply --security-opt label=type:foo_t'],
    [
      'label:level:s0',
      { selinux: true },
      'SELinux labels are not supported by container-saga: cannot apply --security-opt label=level:s0',
    ],
  ])('%s', (opt, host, message) => {
    const err = thrown(() => verifyHostConfig(hc({ SecurityOpt: [opt] }), { ...V2, ...host }));
    expect(err).toMatchObject({ type: 'InvalidSecurityOpt', status: 400, message });
  });

  it('apparmor=unconfined and label=disable ask for nothing this host lacks; a host with AppArmor takes a profile', () => {
    for (const opt of ['apparmor=unconfined', 'label=disable', 'label:disable'])
      expect(verifyHostConfig(hc({ SecurityOpt: [opt] }), V2)).toEqual([]);
    expect(verifyHostConfig(hc({ SecurityOpt: ['apparmor=foo'] }), { ...V2, appArmor: true })).toEqual([]);
    expect(confinementOf(hc({ SecurityOpt: ['apparmor=foo'] })).appArmorProfile).toBe('foo');
    expect(confinementOf(hc({ SecurityOpt: ['apparmor=unconfined'] })).appArmorProfile).toBeUndefined();
    expect(confinementOf(hc({ SecurityOpt: ['apparmor=foo'], Privileged: true })).appArmorProfile).toBeUndefined();
  });
});

const input = (over: Partial<SpecInput>): SpecInput => specInput(over);

describe('config.json and the shm tmpfs', () => {
  it('memory with swap, rlimits, the OOM score, a cgroup namespace, an AppArmor profile', () => {
    const rlimits = [{ type: 'RLIMIT_NOFILE', soft: 512, hard: 1024 }];
    const s = buildSpec(
      input({
        memory: 64 * MB,
        memorySwap: 128 * MB,
        rlimits,
        oomScoreAdj: 500,
        cgroupns: true,
        appArmorProfile: 'p',
      }),
    );
    expect(s.linux.resources.memory).toEqual({ limit: 64 * MB, swap: 128 * MB });
    expect(s.process).toMatchObject({ rlimits, oomScoreAdj: 500, apparmorProfile: 'p' });
    expect(s.linux.namespaces).toContainEqual({ type: 'cgroup' });
  });

  it('by default: no rlimits (inherited), OOM score 0 set, the host cgroup namespace, no profile', () => {
    const s = buildSpec(input({ oomScoreAdj: 0, rlimits: [] }));
    expect(s.process.oomScoreAdj).toBe(0);
    expect(s.process).not.toHaveProperty('rlimits');
    expect(s.process).not.toHaveProperty('apparmorProfile');
    expect(s.linux.namespaces.map((n) => n.type)).not.toContain('cgroup');
  });

  it('/dev/shm on the host: nosuid, nodev, noexec, mode 1777, 64m unless ShmSize', () => {
    expect(shmOptions(0)).toBe('nosuid,nodev,noexec,mode=1777,size=67108864');
    expect(shmOptions(MB)).toBe(`nosuid,nodev,noexec,mode=1777,size=${MB}`);
  });
});

describe('the CLI flags and the Engine API fields', () => {
  const flags = createFlags;

  it('--memory-swap, --ulimit (repeatable, the last of a name wins), --oom-score-adj, --cgroupns', () => {
    const req = parseCreate(
      flags({
        memory: '64m',
        memorySwap: '-1',
        ulimit: ['nofile=1:2', 'nproc=5', 'nofile=512:1024'],
        oomScoreAdj: '-500',
        oomKillDisable: true,
        cgroupns: 'private',
      }),
      'busybox',
      ['true'],
    );
    expect(req.hostConfig).toMatchObject({
      Memory: 64 * MB,
      MemorySwap: -1,
      Ulimits: [
        { Name: 'nofile', Soft: 512, Hard: 1024 },
        { Name: 'nproc', Soft: 5, Hard: 5 },
      ],
      OomScoreAdj: -500,
      OomKillDisable: true,
      CgroupnsMode: 'private',
    });
  });

  it.each<[Partial<CreateFlags>, string]>([
    [{ memorySwap: 'lots' }, `invalid argument "lots" for "--memory-swap" flag: invalid size: 'lots'`],
    [{ ulimit: ['nofile=2:1'] }, 'invalid argument "nofile=2:1" for "--ulimit" flag: ulimit soft limit must be'],
    [{ oomScoreAdj: 'x' }, 'invalid argument "x" for "--oom-score-adj" flag: strconv.ParseInt: parsing "x"'],
    [{ cgroupns: 'shared' }, '--cgroupns: invalid CGROUP mode'],
  ])('%j: a usage error before anything is sent', (over, message) => {
    expect(() => parseCreate(flags(over), 'busybox', ['true'])).toThrow(message);
  });

  it("the docker CLI's body: zero values are unset; set ones are converted; an unknown field in a ulimit is a 400", () => {
    const body = (hc: Record<string, unknown>) => ({ Image: 'busybox', Cmd: ['true'], HostConfig: hc });
    const zero = { MemorySwap: 0, OomScoreAdj: 0, OomKillDisable: false, CgroupnsMode: '', Ulimits: null };
    expect(toCreateRequest(body(zero), null).hostConfig).toBeUndefined();
    const set = {
      Memory: 64 * MB,
      MemorySwap: -1,
      OomScoreAdj: 10,
      OomKillDisable: true,
      CgroupnsMode: 'host',
      Ulimits: [{ Name: 'nofile', Soft: 10, Hard: 20 }],
    };
    expect(toCreateRequest(body(set), null).hostConfig).toEqual(set);
    expect(() => toCreateRequest(body({ Ulimits: [{ Name: 'nofile', Soft: 1, Hard: 1, X: 1 }] }), null)).toThrow(
      'unknown field "HostConfig.Ulimits[0].X"',
    );
    expect(() => toCreateRequest(body({ CgroupnsMode: 'shared' }), null)).toThrow('invalid cgroup namespace mode');
  });
});

describe('the simulated driver records the same settings (so CLI and API tests agree with the Linux driver)', () => {
  const root = tempDirEach('sim-res');

  it("create records Docker's defaults (a v2 host: private cgroupns, swap = memory); the spec step passes them on", async () => {
    const rt = simulatedRuntime(root.path);
    await expect(
      rt.create({ image: 'busybox', cmd: ['true'], hostConfig: { SecurityOpt: ['apparmor=foo'] } }),
    ).rejects.toMatchObject({ type: 'InvalidSecurityOpt' });
    expect(await rt.list()).toEqual([]);
    const rec = await rt.create({
      image: 'busybox',
      cmd: ['true'],
      hostConfig: { Memory: 64 * MB, Ulimits: [{ Name: 'nofile', Soft: 1, Hard: 2 }], OomScoreAdj: 7 },
    });
    expect(rec.HostConfig).toMatchObject({ MemorySwap: 128 * MB, CgroupnsMode: 'private' });
    await rt.acquire('spec', { id: rec.Id, env: [], extraHosts: [] });
    const spec = JSON.parse(await readFile(path.join(root.path, 'sim', 'bundles', rec.Id, 'config.json'), 'utf8'));
    expect(spec).toMatchObject({
      resources: {
        memory: 64 * MB,
        memorySwap: 128 * MB,
        ulimits: [{ Name: 'nofile', Soft: 1, Hard: 2 }],
        oomKillDisable: false,
      },
      oomScoreAdj: 7,
      cgroupns: 'private',
      appArmorProfile: null,
    });
  });
});
