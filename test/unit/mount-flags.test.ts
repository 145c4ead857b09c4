import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCreate, type CreateFlags } from '../../client/parse-create';
import { createFlags } from './helpers';

/** -v, --mount and --volumes-from from the project CLI's flags to the create request (the docker CLI's way). */
describe('the mount flags', () => {
  it('-v SRC:DST binds, -v /path a Config.Volumes path, --mount parsed, --volumes-from as given', () => {
    const req = parseCreate(
      createFlags({
        volume: ['/h:/b:ro', 'named:/n:nocopy', '/anon'],
        mount: ['type=bind,src=./here,dst=/here', 'type=tmpfs,target=/t,tmpfs-size=1k'],
        volumesFrom: ['data:ro'],
      }),
      'busybox',
      ['true'],
    );
    expect(req.volumes).toEqual(['/anon']);
    expect(req.hostConfig).toEqual({
      Binds: ['/h:/b:ro', 'named:/n:nocopy'],
      Mounts: [
        { Type: 'bind', Source: path.resolve('here'), Target: '/here' },
        { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1024 } },
      ],
      VolumesFrom: ['data:ro'],
    });
  });

  it.each<[Partial<CreateFlags>, string]>([
    [
      { volume: ['rel'] },
      `invalid argument "rel" for "-v, --volume" flag: invalid mount path: 'rel' mount path must be absolute`,
    ],
    [{ volume: ['a:/b:xx'] }, 'invalid argument "a:/b:xx" for "-v, --volume" flag: invalid mode: xx'],
    [{ mount: ['type=volume'] }, 'invalid argument "type=volume" for "--mount" flag: target is required'],
    [
      { mount: ['target=/x,bogus=1'] },
      `invalid argument "target=/x,bogus=1" for "--mount" flag: unexpected key 'bogus' in 'bogus=1'`,
    ],
    // (what the daemon checks — names, propagation, --volumes-from modes — is the create's 400, as for the docker CLI)
  ])('%j: a usage error before anything is sent', (over, message) => {
    expect(() => parseCreate(createFlags(over), 'busybox', ['true'])).toThrow(message);
  });
});
