import { describe, expect, it } from 'vitest';
import { toCreateRequest } from '../../api/convert/create-request';
import { parseCreate } from '../../client/parse-create';
import { parseExec } from '../../client/parse-exec';
import { additionalGroups } from '../../common/group-add';
import { createFlags } from './helpers';

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
