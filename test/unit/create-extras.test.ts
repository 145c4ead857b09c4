import { describe, expect, it } from 'vitest';
import { toCreateRequest } from '../../api/convert/create-request';
import { parseCreate } from '../../client/parse-create';
import { parseExec } from '../../client/parse-exec';
import { additionalGroups } from '../../common/group-add';
import { adaptResources } from '../../common/resources';
import type { HostInfo } from '../../common/settings';
import { defaultHostConfig } from '../../common/types';
import { parseDeviceSpec } from '../../common/devices';
import { resolveDevices } from '../../runtime/drivers/linux/device-nodes';
import { buildSpec } from '../../runtime/drivers/linux/spec';
import { createFlags, specInput } from './helpers';

// Issue 27's create fields (StopTimeout, Init, Devices, GroupAdd): the Engine API's conversion and the CLI's flags.

describe('--stop-timeout', () => {
  it('Config.StopTimeout and the flag become the request; a negative one is refused', () => {
    expect(toCreateRequest({ Image: 'busybox', StopTimeout: 3 }, null).stopTimeout).toBe(3);
    expect(toCreateRequest({ Image: 'busybox', StopTimeout: null }, null).stopTimeout).toBeUndefined();
    expect(() => toCreateRequest({ Image: 'busybox', StopTimeout: -1 }, null)).toThrow(
      'container-saga does not support a negative StopTimeout (wait forever)',
    );
    expect(parseCreate(createFlags({ stopTimeout: '0' }), 'busybox', []).stopTimeout).toBe(0);
    expect(() => parseCreate(createFlags({ stopTimeout: '-1' }), 'busybox', [])).toThrow(
      'invalid argument "-1" for "--stop-timeout" flag',
    );
  });
});

describe('--init', () => {
  it('HostConfig.Init and the flag', () => {
    expect(toCreateRequest({ Image: 'busybox', HostConfig: { Init: true } }, null).hostConfig).toEqual({ Init: true });
    expect(toCreateRequest({ Image: 'busybox', HostConfig: { Init: null } }, null).hostConfig).toBeUndefined();
    expect(parseCreate(createFlags({ init: true }), 'busybox', []).hostConfig).toEqual({ Init: true });
  });
});

describe('--group-add', () => {
  const GROUP = 'root:x:0:\naudio:x:29:pulse\nnogroup:x:65534:\nstaff:x:50:\n';
  it.each([
    [
      ['audio', '50', '4242'],
      [29, 50, 4242],
    ],
    [['29', 'audio'], [29]], // each gid once
    [['4242'], [4242]], // a number need not exist
    [[], []],
  ])('%j → %j', (groups, gids) => expect(additionalGroups(groups, GROUP)).toEqual(gids));

  it.each([
    [['nosuch'], 'Unable to find group nosuch: no matching entries in group file'],
    [['-1'], 'uids and gids must be in range 0-2147483647'],
    [['2147483648'], 'uids and gids must be in range 0-2147483647'],
  ])('%j: runc’s error', (groups, msg) => expect(() => additionalGroups(groups, GROUP)).toThrow(msg));

  it('HostConfig.GroupAdd and the repeatable flag', () => {
    expect(toCreateRequest({ Image: 'busybox', HostConfig: { GroupAdd: ['audio', '50'] } }, null).hostConfig).toEqual({
      GroupAdd: ['audio', '50'],
    });
    expect(parseCreate(createFlags({ groupAdd: ['audio', '7'] }), 'busybox', []).hostConfig).toEqual({
      GroupAdd: ['audio', '7'],
    });
  });
});

describe('exec -u', () => {
  it('the flag becomes the exec request', () => {
    expect(parseExec({ env: [], user: 'nobody:7' }, 'web', ['id'])).toEqual({
      container: 'web',
      cmd: ['id'],
      user: 'nobody:7',
    });
  });
});

describe('--device', () => {
  it.each([
    ['/dev/fuse', { PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }],
    ['/dev/fuse:r', { PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'r' }],
    ['/dev/fuse:/dev/f', { PathOnHost: '/dev/fuse', PathInContainer: '/dev/f', CgroupPermissions: 'rwm' }],
    ['/dev/fuse:/dev/f:mw', { PathOnHost: '/dev/fuse', PathInContainer: '/dev/f', CgroupPermissions: 'mw' }],
  ])('the docker CLI reads %s', (spec, want) => expect(parseDeviceSpec(spec)).toEqual(want));

  it.each([
    ['/dev/fuse:/dev/f:rr', 'bad mode specified: rr'],
    ['/dev/a:/dev/b:rw:x', 'bad format for path: /dev/a:/dev/b:rw:x'],
    [':/dev/b', 'bad format for path: :/dev/b'],
    ['/dev/fuse:dev/f', 'dev/f is not an absolute path'],
  ])('%s: the CLI’s error', (spec, msg) => {
    expect(() => parseDeviceSpec(spec)).toThrow(msg);
    expect(() => parseCreate(createFlags({ device: [spec] }), 'busybox', [])).toThrow(
      `invalid argument "${spec}" for "--device" flag: ${msg}`,
    );
  });

  it('HostConfig.Devices: the container path and permissions default as the daemon takes them; bad ones are 400s', () => {
    const hc = toCreateRequest(
      { Image: 'busybox', HostConfig: { Devices: [{ PathOnHost: '/dev/fuse' }] } },
      null,
    ).hostConfig;
    expect(hc?.Devices).toEqual([{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }]);
    expect(() =>
      toCreateRequest(
        { Image: 'busybox', HostConfig: { Devices: [{ PathOnHost: '/dev/fuse', CgroupPermissions: 'x' }] } },
        null,
      ),
    ).toThrow('bad mode specified: x');
  });

  it('resolved on the host: a node, a directory of nodes, or Docker’s start error', async () => {
    const [fuse] = await resolveDevices([
      { PathOnHost: '/dev/null', PathInContainer: '/dev/n', CgroupPermissions: 'r' },
    ]);
    expect(fuse).toMatchObject({ path: '/dev/n', type: 'c', major: 1, minor: 3, access: 'r' });
    const dir = await resolveDevices([
      { PathOnHost: '/dev/net', PathInContainer: '/dev/vnet', CgroupPermissions: 'rwm' },
    ]);
    expect(dir.map((d) => d.path)).toContain('/dev/vnet/tun');
    await expect(
      resolveDevices([{ PathOnHost: '/dev/nosuch', PathInContainer: '/dev/nosuch', CgroupPermissions: 'rwm' }]),
    ).rejects.toThrow(
      'error gathering device information while adding custom device "/dev/nosuch": no such file or directory',
    );
    await expect(
      resolveDevices([{ PathOnHost: '/etc/hostname', PathInContainer: '/dev/h', CgroupPermissions: 'rwm' }]),
    ).rejects.toThrow(
      'error gathering device information while adding custom device "/etc/hostname": not a device node',
    );
  });

  it('the spec: the node and an allow rule after the deny-all one', () => {
    const spec = buildSpec({
      ...specInput(),
      devices: [{ path: '/dev/f', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 }],
      deviceRules: [{ allow: true, type: 'c', major: 10, minor: 229, access: 'w' }],
    });
    expect(spec.linux.devices).toEqual([
      { path: '/dev/f', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 },
    ]);
    expect(spec.linux.resources.devices).toEqual([
      { allow: false, access: 'rwm' },
      { allow: true, type: 'c', major: 10, minor: 229, access: 'w' },
    ]);
  });
});

describe('--cpu-shares', () => {
  it('HostConfig.CpuShares and -c; recorded as Docker adapts it; cpu.shares in the spec', () => {
    expect(toCreateRequest({ Image: 'busybox', HostConfig: { CpuShares: 512 } }, null).hostConfig).toEqual({
      CpuShares: 512,
    });
    expect(toCreateRequest({ Image: 'busybox', HostConfig: { CpuShares: 0 } }, null).hostConfig).toBeUndefined();
    expect(parseCreate(createFlags({ cpuShares: '256' }), 'busybox', []).hostConfig).toEqual({ CpuShares: 256 });
    const host: HostInfo = {
      os: 'linux',
      cpus: 2,
      memoryBytes: 2 ** 30,
      cgroupMemory: true,
      cgroupCpu: true,
      cgroupPids: true,
    };
    for (const [given, recorded] of [
      [-5, 2],
      [1_000_000, 262144],
      [512, 512],
    ]) {
      const hc = { ...defaultHostConfig(), CpuShares: given };
      adaptResources(hc, host);
      expect(hc.CpuShares).toBe(recorded);
    }
    expect(buildSpec({ ...specInput(), cpuShares: 512 }).linux.resources.cpu).toEqual({ shares: 512 });
    expect(buildSpec({ ...specInput(), nanoCpus: 5e8, cpuShares: 512 }).linux.resources.cpu).toEqual({
      quota: 50_000,
      period: 100_000,
      shares: 512,
    });
  });
});
