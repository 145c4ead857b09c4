/** common/exec-user.ts against runc's user.GetExecUser and Docker's getUser (AdditionalGids: the gid first). */
import { describe, expect, it } from 'vitest';
import { resolveExecUser, type ExecUser } from '../../common/exec-user';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  '',
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
  'app:x:1000:1000::/home/app:/bin/sh',
  'nohome:x:1001:1001:::',
].join('\n');
const GROUP = ['root:x:0:', 'wheel:x:10:app,other', 'nogroup:x:65534:', 'app:x:1000:', 'docker:x:999:app'].join('\n');

describe('resolveExecUser', () => {
  it.each<[string, string, ExecUser]>([
    ['empty: root', '', { uid: 0, gid: 0, additionalGids: [0], home: '/root' }],
    ['a name', 'nobody', { uid: 65534, gid: 65534, additionalGids: [65534], home: '/nonexistent' }],
    [
      'a name with groups in /etc/group',
      'app',
      { uid: 1000, gid: 1000, additionalGids: [1000, 10, 999], home: '/home/app' },
    ],
    [
      'a uid in passwd: its entry',
      '1000',
      { uid: 1000, gid: 1000, additionalGids: [1000, 10, 999], home: '/home/app' },
    ],
    ['a uid not in passwd: gid 0, home /', '4242', { uid: 4242, gid: 0, additionalGids: [0], home: '/' }],
    ['uid:gid, neither in the files', '4242:4343', { uid: 4242, gid: 4343, additionalGids: [4343], home: '/' }],
    [
      'name:group: no supplementary groups',
      'app:nogroup',
      { uid: 1000, gid: 65534, additionalGids: [65534], home: '/home/app' },
    ],
    ['name:gid', 'app:5', { uid: 1000, gid: 5, additionalGids: [5], home: '/home/app' }],
    ['an empty home is /', 'nohome', { uid: 1001, gid: 1001, additionalGids: [1001], home: '/' }],
  ])('%s (%s)', (_, spec, want) => {
    expect(resolveExecUser(spec, PASSWD, GROUP)).toEqual(want);
  });

  it.each<[string, string | undefined, string]>([
    ['ghost', PASSWD, 'unable to find user ghost: no matching entries in passwd file'],
    ['root', undefined, 'unable to find user root: no matching entries in passwd file'],
    ['app:ghosts', PASSWD, 'unable to find group ghosts: no matching entries in group file'],
    ['-1', PASSWD, 'uids and gids must be in range 0-2147483647'],
    ['0:2147483648', PASSWD, 'uids and gids must be in range 0-2147483647'],
  ])("%s: Docker's start error, not retried", (spec, passwd, message) => {
    expect(() => resolveExecUser(spec, passwd, GROUP)).toThrow(
      expect.objectContaining({ type: 'StartFailed', retryable: false, message }),
    );
  });

  it('numbers need no files at all', () => {
    expect(resolveExecUser('7:8', undefined, undefined)).toEqual({ uid: 7, gid: 8, additionalGids: [8], home: '/' });
  });
});
