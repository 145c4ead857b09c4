/**
 * common/merge-config.ts against Docker's mergeAndVerifyConfig (daemon/commit.go merge, the `[""]` reset,
 * "No command specified") and getEntrypointAndArgs: one line per create/image pair.
 */
import { describe, expect, it } from 'vitest';
import { parseCreate, type CreateFlags } from '../../client/parse-create';
import { DEFAULT_PATH_ENV } from '../../common/env';
import type { ImageRunConfig } from '../../common/image-config';
import { mergeImageConfig, type CreateRunConfig } from '../../common/merge-config';
import type { CreateRequest } from '../../common/types';
import { createFlags } from './helpers';

const IMG: ImageRunConfig = {
  Entrypoint: ['/entry.sh'],
  Cmd: ['serve', '--port', '80'],
  Env: ['PATH=/opt/bin:/bin', 'A=image', 'B=image'],
  WorkingDir: '/srv',
  User: 'nobody',
  StopSignal: 'SIGQUIT',
  ExposedPorts: { '80/tcp': {} },
  Labels: { from: 'image', both: 'image' },
  Volumes: { '/data': {} },
  Healthcheck: { Test: ['CMD', 'true'], Interval: 5e9 },
};
const CMD_ONLY: ImageRunConfig = { Cmd: ['sh'], Env: ['X=1'] };

describe('mergeImageConfig: the command (Path, Args, Entrypoint, Cmd)', () => {
  it.each<[string, CreateRunConfig, ImageRunConfig | undefined, [string, string[], string[] | null, string[]]]>([
    [
      'the image gives both',
      {},
      IMG,
      ['/entry.sh', ['serve', '--port', '80'], ['/entry.sh'], ['serve', '--port', '80']],
    ],
    [
      'a create Cmd replaces the image Cmd, keeps its Entrypoint',
      { cmd: ['x'] },
      IMG,
      ['/entry.sh', ['x'], ['/entry.sh'], ['x']],
    ],
    [
      'a create Entrypoint drops the image Cmd',
      { entrypoint: ['/bin/echo'] },
      IMG,
      ['/bin/echo', [], ['/bin/echo'], []],
    ],
    ['a create Entrypoint and Cmd', { entrypoint: ['env'], cmd: ['-0'] }, IMG, ['env', ['-0'], ['env'], ['-0']]],
    [
      '--entrypoint "" with a Cmd',
      { entrypoint: [''], cmd: ['echo', 'hi'] },
      IMG,
      ['echo', ['hi'], null, ['echo', 'hi']],
    ],
    [
      'Entrypoint [] keeps the image Cmd, drops its Entrypoint',
      { entrypoint: [] },
      IMG,
      ['serve', ['--port', '80'], null, ['serve', '--port', '80']],
    ],
    ['an empty Cmd is no Cmd', { cmd: [] }, CMD_ONLY, ['sh', [], null, ['sh']]],
    ['image with a Cmd only', {}, CMD_ONLY, ['sh', [], null, ['sh']]],
    ['no image config (the simulated name-only image)', { cmd: ['true'] }, undefined, ['true', [], null, ['true']]],
  ])('%s', (_, req, image, [path, args, entrypoint, cmd]) => {
    const m = mergeImageConfig(req, image);
    expect([m.Path, m.Args, m.Entrypoint, m.Cmd]).toEqual([path, args, entrypoint, cmd]);
  });

  it.each<[string, CreateRunConfig, ImageRunConfig | undefined]>([
    ['neither has a command', {}, { Env: ['A=1'] }],
    ['no image config and no command', {}, undefined],
    ['--entrypoint "" without a Cmd drops the image Cmd too', { entrypoint: [''] }, IMG],
    ['an image with Entrypoint null and Cmd null', {}, { Entrypoint: null, Cmd: null }],
  ])('%s: Docker\'s 400 "No command specified"', (_, req, image) => {
    expect(() => mergeImageConfig(req, image)).toThrow(
      expect.objectContaining({ type: 'InvalidParameter', status: 400, message: 'No command specified' }),
    );
  });
});

describe('mergeImageConfig: the rest of the config', () => {
  it.each<[string, CreateRunConfig, ImageRunConfig, string[]]>([
    ['the image Env as it is', {}, IMG, ['PATH=/opt/bin:/bin', 'A=image', 'B=image']],
    [
      'the create first, the image keys it does not set after',
      { env: ['B=mine', 'C=3'] },
      IMG,
      ['B=mine', 'C=3', 'PATH=/opt/bin:/bin', 'A=image'],
    ],
    ['a create PATH wins', { env: ['PATH=/x'] }, IMG, ['PATH=/x', 'A=image', 'B=image']],
    ['PATH default when neither has one', { env: ['C=3'] }, CMD_ONLY, ['C=3', 'X=1', DEFAULT_PATH_ENV]],
    [
      'a bare KEY hides the image value (Docker unsets it at start)',
      { env: ['A'] },
      IMG,
      ['A', 'PATH=/opt/bin:/bin', 'B=image'],
    ],
  ])('Env: %s', (_, req, image, env) => {
    expect(mergeImageConfig({ cmd: ['x'], ...req }, image).Env).toEqual(env);
  });

  it('takes WorkingDir, User, StopSignal, Healthcheck, Volumes from the image; unions ports and labels', () => {
    const m = mergeImageConfig({ exposedPorts: ['53/udp', '80/tcp'], labels: { both: 'mine' } }, IMG);
    expect(m).toMatchObject({
      WorkingDir: '/srv',
      User: 'nobody',
      StopSignal: 'SIGQUIT',
      Healthcheck: { Test: ['CMD', 'true'], Interval: 5e9 },
      Volumes: { '/data': {} },
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      Labels: { from: 'image', both: 'mine' },
    });
  });

  it("the create's WorkingDir, User, StopSignal win; --no-healthcheck keeps the image's other fields", () => {
    const m = mergeImageConfig(
      { workingDir: '/w', user: '0:0', stopSignal: 'SIGUSR1', healthcheck: { Test: ['NONE'] } },
      IMG,
    );
    expect(m).toMatchObject({ WorkingDir: '/w', User: '0:0', StopSignal: 'SIGUSR1' });
    expect(m.Healthcheck).toEqual({ Test: ['NONE'], Interval: 5e9 });
  });

  it('without an image config: defaults as Docker shows them', () => {
    const m = mergeImageConfig({ cmd: ['true'] });
    expect(m).toEqual({
      Path: 'true',
      Args: [],
      Entrypoint: null,
      Cmd: ['true'],
      Env: [DEFAULT_PATH_ENV],
      WorkingDir: '',
      User: '',
      ExposedPorts: {},
      Labels: {},
      Volumes: null,
    });
  });
});

describe('the CLI flags: --entrypoint, -u, --stop-signal', () => {
  it.each<[Partial<CreateFlags>, string[], Partial<CreateRequest>]>([
    [{}, [], {}],
    [{ entrypoint: '' }, ['echo', 'hi'], { entrypoint: [''], cmd: ['echo', 'hi'] }],
    // one word, as the docker CLI takes it: `--entrypoint "sh -c"` runs a program named "sh -c"
    [{ entrypoint: 'sh -c' }, [], { entrypoint: ['sh -c'] }],
    [
      { user: 'app:staff', stopSignal: 'SIGUSR1' },
      ['true'],
      { user: 'app:staff', stopSignal: 'SIGUSR1', cmd: ['true'] },
    ],
  ])('%j %j', (over, cmd, want) => {
    const req = parseCreate(createFlags(over), 'busybox', cmd);
    for (const k of ['cmd', 'entrypoint', 'user', 'stopSignal'] as const) expect(req[k], k).toEqual(want[k]);
  });

  it('a bad --stop-signal is a usage error before anything is sent', () => {
    expect(() => parseCreate(createFlags({ stopSignal: 'NOPE' }), 'busybox', [])).toThrow(
      'invalid argument "NOPE" for "--stop-signal" flag: Invalid signal: NOPE',
    );
  });
});
