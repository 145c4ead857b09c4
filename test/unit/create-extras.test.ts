import { describe, expect, it } from 'vitest';
import { toCreateRequest } from '../../api/convert/create-request';
import { parseCreate } from '../../client/parse-create';
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
