import { describe, expect, it } from 'vitest';
import { planMountPoints, mountPointsOf, volumeNamesOf, type MountPlanInput } from '../../common/mount-plan';
import {
  checkMountSpec,
  parseMountFlag,
  parseVolumesFrom,
  tmpfsOptionsOf,
  type MountSpec,
} from '../../common/mount-spec';
import { verifyHostConfig } from '../../common/settings';
import { defaultHostConfig } from '../../common/types';

describe('parseMountFlag (the docker CLI --mount)', () => {
  const ok: Array<[string, MountSpec]> = [
    ['type=bind,source=/h,target=/c', { Type: 'bind', Source: '/h', Target: '/c' }],
    ['src=v,dst=/d', { Type: 'volume', Source: 'v', Target: '/d' }],
    ['type=volume,target=/d,readonly', { Type: 'volume', Target: '/d', ReadOnly: true }],
    ['type=volume,source=v,destination=/d,ro=false', { Type: 'volume', Source: 'v', Target: '/d', ReadOnly: false }],
    [
      'type=volume,source=v,target=/d,volume-nocopy',
      { Type: 'volume', Source: 'v', Target: '/d', VolumeOptions: { NoCopy: true } },
    ],
    [
      'type=volume,source=v,target=/d,volume-label=a=b,volume-label=c',
      { Type: 'volume', Source: 'v', Target: '/d', VolumeOptions: { Labels: { a: 'b', c: '' } } },
    ],
    [
      'type=volume,source=v,target=/d,volume-opt=type=tmpfs',
      { Type: 'volume', Source: 'v', Target: '/d', VolumeOptions: { DriverConfig: { Options: { type: 'tmpfs' } } } },
    ],
    [
      'type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1770',
      { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 64 * 1024 * 1024, Mode: 0o1770 } },
    ],
    [
      'type=bind,source=/h,target=/c,bind-propagation=RSLAVE',
      { Type: 'bind', Source: '/h', Target: '/c', BindOptions: { Propagation: 'rslave' } },
    ],
    ['"type=bind","source=/a,b",target=/c', { Type: 'bind', Source: '/a,b', Target: '/c' }],
  ];
  it.each(ok)('%s', (flag, want) => expect(parseMountFlag(flag)).toEqual(want));

  const bad: Array<[string, string]> = [
    ['type=bind,source=/h', 'target is required'],
    ['type=bind,source', "invalid field 'source' must be a key=value pair"],
    ['type=bind,target=/c,foo=bar', "unexpected key 'foo' in 'foo=bar'"],
    ['type=tmpfs,target=/t,tmpfs-size=lots', 'invalid value for tmpfs-size: lots'],
    ['type=tmpfs,target=/t,tmpfs-mode=999', 'invalid value for tmpfs-mode: 999'],
    ['type=bind,target=/c,volume-nocopy', "cannot mix 'volume-*' options with mount type 'bind'"],
    ['type=volume,target=/c,bind-propagation=shared', "cannot mix 'bind-*' options with mount type 'volume'"],
    ['type=bind,target=/c,tmpfs-size=1m', "cannot mix 'tmpfs-*' options with mount type 'bind'"],
    ['type=bind,target=/c,readonly=maybe', "invalid value for 'readonly': maybe"],
  ];
  it.each(bad)('refuses %s', (flag, why) => expect(() => parseMountFlag(flag)).toThrow(why));
});

describe('checkMountSpec (the daemon check, Docker messages)', () => {
  const bad: Array<[MountSpec, string]> = [
    [{ Type: 'bind', Target: '' }, 'invalid mount config for type "bind": field Target must not be empty'],
    [
      { Type: 'bind', Source: '/h', Target: '/' },
      `invalid mount config for type "bind": invalid specification: destination can't be '/'`,
    ],
    [
      { Type: 'bind', Source: '/h', Target: 'rel' },
      `invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`,
    ],
    [{ Type: 'bind', Target: '/c' }, 'invalid mount config for type "bind": field Source must not be empty'],
    [
      { Type: 'bind', Source: 'rel', Target: '/c' },
      `invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`,
    ],
    [
      { Type: 'bind', Source: '/h', Target: '/c', BindOptions: { Propagation: 'sideways' } },
      'invalid mount config for type "bind": invalid propagation mode: sideways',
    ],
    [
      { Type: 'bind', Source: '/h', Target: '/c', VolumeOptions: {} },
      'invalid mount config for type "bind": field VolumeOptions must not be specified',
    ],
    [
      { Type: 'volume', Target: '/c', ReadOnly: true },
      'invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes',
    ],
    [
      { Type: 'volume', Target: '/c', TmpfsOptions: {} },
      'invalid mount config for type "volume": field TmpfsOptions must not be specified',
    ],
    [
      { Type: 'volume', Source: 'v', Target: '/c', VolumeOptions: { DriverConfig: { Name: 'nfs' } } },
      'error looking up volume plugin nfs: plugin "nfs" not found',
    ],
    [
      { Type: 'tmpfs', Source: 'x', Target: '/c' },
      'invalid mount config for type "tmpfs": field Source must not be specified',
    ],
    [{ Type: 'npipe' as MountSpec['Type'], Target: '/c' }, 'invalid mount config for type "npipe": mount type unknown'],
  ];
  it.each(bad)('%j', (m, why) => expect(() => checkMountSpec(m)).toThrow(why));

  it('verifyHostConfig runs it and the --volumes-from check (400s before anything is made)', () => {
    const host = {
      os: 'linux',
      cpus: 2,
      memoryBytes: 1e9,
      cgroupMemory: true,
      cgroupCpu: true,
      cgroupPids: true,
    } as const;
    const hc = { ...defaultHostConfig(), Mounts: [{ Type: 'bind', Target: '/c' } as MountSpec] };
    expect(() => verifyHostConfig(hc, host)).toThrow('field Source must not be empty');
    expect(() => verifyHostConfig({ ...defaultHostConfig(), VolumesFrom: ['a:rx'] }, host)).toThrow('invalid mode: rx');
    expect(parseVolumesFrom('a')).toEqual({ container: 'a', mode: 'rw' });
    expect(parseVolumesFrom('a:ro')).toEqual({ container: 'a', mode: 'ro' });
    expect(() => parseVolumesFrom('')).toThrow('volumes-from specification cannot be an empty string');
  });

  it('tmpfs options as Docker writes them', () => {
    expect(
      tmpfsOptionsOf({ Type: 'tmpfs', Target: '/t', ReadOnly: true, TmpfsOptions: { SizeBytes: 2048, Mode: 0o700 } }),
    ).toBe('size=2k,mode=700,ro');
  });
});

describe('planMountPoints (Docker registerMountPoints)', () => {
  let n = 0;
  const input = (over: Partial<MountPlanInput>): MountPlanInput => ({
    binds: [],
    mounts: [],
    tmpfs: {},
    volumes: [],
    from: [],
    newName: () => `anon${++n}`,
    ...over,
  });

  it('binds, mounts and anonymous volumes for unmounted Config.Volumes paths', () => {
    n = 0;
    const points = planMountPoints(
      input({
        binds: ['/h:/b:ro', 'named:/n'],
        mounts: [
          { Type: 'volume', Target: '/m' },
          { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1024 } },
          { Type: 'volume', Source: 'lab', Target: '/l', VolumeOptions: { NoCopy: true, Labels: { k: 'v' } } },
        ],
        tmpfs: { '/tt': '' },
        volumes: ['/data/', '/n', '/tt'],
      }),
    );
    expect(points).toEqual([
      { Type: 'bind', Source: '/h', Destination: '/b', RW: false, Mode: 'ro', Propagation: 'rprivate' },
      { Type: 'volume', Name: 'named', Destination: '/n', RW: true, Mode: 'z', Propagation: '' },
      { Type: 'volume', Name: 'anon1', Destination: '/m', RW: true, Mode: 'z', Propagation: '', Anonymous: true },
      { Type: 'tmpfs', Destination: '/t', RW: true, Mode: '', Propagation: '', Options: 'size=1k' },
      {
        Type: 'volume',
        Name: 'lab',
        Destination: '/l',
        RW: true,
        Mode: 'z',
        Propagation: '',
        NoCopy: true,
        Labels: { k: 'v' },
      },
      { Type: 'volume', Name: 'anon2', Destination: '/data', RW: true, Mode: '', Propagation: '', Anonymous: true },
    ]);
  });

  it('duplicates are Docker 400 "Duplicate mount point"', () => {
    const dup: Array<[Partial<MountPlanInput>, string]> = [
      [{ binds: ['a:/data', 'b:/data/'] }, 'Duplicate mount point: /data'],
      [{ binds: ['a:/data'], tmpfs: { '/data': '' } }, 'Duplicate mount point: /data'],
      [{ binds: ['a:/data'], mounts: [{ Type: 'volume', Target: '/data' }] }, 'Duplicate mount point: /data'],
      [
        {
          mounts: [
            { Type: 'volume', Target: '/d' },
            { Type: 'tmpfs', Target: '/d' },
          ],
        },
        'Duplicate mount point: /d',
      ],
    ];
    for (const [over, why] of dup) expect(() => planMountPoints(input(over))).toThrow(why);
    expect(() => planMountPoints(input({ mounts: [{ Type: 'volume', Source: 'a/b', Target: '/d' }] }))).toThrow(
      'create a/b: "a/b" includes invalid characters for a local volume name',
    );
    expect(() => planMountPoints(input({ volumes: ['rel'] }))).toThrow(
      "invalid mount path: 'rel' mount path must be absolute",
    );
  });

  it('--volumes-from copies the source points (ro makes them read-only, no copy-up), a bind there replaces one', () => {
    const src = [
      { Type: 'volume' as const, Name: 'x', Destination: '/x', RW: true, Mode: 'z', Propagation: '', Anonymous: true },
      { Type: 'bind' as const, Source: '/h', Destination: '/h', RW: true, Mode: '', Propagation: 'rprivate' },
    ];
    const ro = planMountPoints(input({ from: [{ mode: 'ro', points: src }], binds: ['/o:/h'], volumes: ['/x'] }));
    expect(ro).toEqual([
      { ...src[0], Mode: '', RW: false, NoCopy: true },
      { Type: 'bind', Source: '/o', Destination: '/h', RW: true, Mode: '', Propagation: 'rprivate' },
    ]);
    const rw = planMountPoints(input({ from: [{ mode: 'rw', points: [{ ...src[0]!, RW: false }] }] }));
    expect(rw[0]!.RW).toBe(false);
  });

  it('-v modes: ro|rw and nocopy (a volume only), each once; Docker\'s "invalid mode" otherwise', () => {
    const host = {
      os: 'linux',
      cpus: 2,
      memoryBytes: 1e9,
      cgroupMemory: true,
      cgroupCpu: true,
      cgroupPids: true,
    } as const;
    const ok = ['vv:/d:nocopy', 'vv:/d:ro,nocopy', 'vv:/d:nocopy,rw', '/h:/d:ro'];
    for (const b of ok) expect(() => verifyHostConfig({ ...defaultHostConfig(), Binds: [b] }, host), b).not.toThrow();
    expect(() => verifyHostConfig({ ...defaultHostConfig(), Binds: ['/h:/d:nocopy'] }, host)).toThrow(
      `invalid volume specification: '/h:/d:nocopy': invalid mount config for type "bind": field VolumeOptions must not be specified`,
    );
    for (const b of ['vv:/d:ro,rw', 'vv:/d:nocopy,nocopy', 'vv:/d:z'])
      expect(() => verifyHostConfig({ ...defaultHostConfig(), Binds: [b] }, host), b).toThrow(
        `invalid mode: ${b.split(':')[2]}`,
      );
    const [p] = planMountPoints(input({ binds: ['v:/d:ro,nocopy'] }));
    expect(p).toEqual({
      Type: 'volume',
      Name: 'v',
      Destination: '/d',
      RW: false,
      Mode: 'ro,nocopy',
      Propagation: '',
      NoCopy: true,
    });
  });

  it('a record without mount points: its binds; the volumes named once', () => {
    const rec = { HostConfig: { Binds: ['a:/x', '/h:/y', 'a:/z:ro'] } };
    expect(mountPointsOf(rec).map((p) => p.Type)).toEqual(['volume', 'bind', 'volume']);
    expect(volumeNamesOf(rec)).toEqual(['a']);
  });
});
