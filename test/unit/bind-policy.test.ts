/**
 * CONTAINER_SAGA_BIND_ALLOW (runtime/bind-policy.ts) through create on the simulated driver: a bind whose
 * source resolves outside the allowed directories (also through `..` or a symlink) is Forbidden (403) and
 * nothing is created; and the state files' modes (no other user reads a container's data).
 */
import { mkdir, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { resolveHostPath } from '../../runtime/bind-policy';
import type { SimulatedRuntime } from '../../runtime/simulated-runtime';
import { simulatedRuntime } from '../runtimes';
import { expectError, rejected, tempDirEach } from './helpers';

const tmp = tempDirEach('bind');
let rt: SimulatedRuntime;
let allowed: string;
let outside: string;

beforeEach(async () => {
  allowed = path.join(tmp.path, 'allowed');
  outside = path.join(tmp.path, 'outside');
  await mkdir(path.join(allowed, 'data', 'sub'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await symlink(outside, path.join(allowed, 'escape')); // allowed/escape → outside
  await symlink(path.join(allowed, 'data'), path.join(tmp.path, 'in-link')); // in-link → allowed/data
  rt = simulatedRuntime(path.join(tmp.path, 'root'), { bindAllow: [allowed] });
});

const bind = (source: string) =>
  rt.create({ image: 'busybox', cmd: ['true'], hostConfig: { Binds: [`${source}:/mnt`] } });

describe('CONTAINER_SAGA_BIND_ALLOW', () => {
  it.each<[string, (a: string, o: string) => string]>([
    ['a directory outside', (_a, o) => o],
    ['a `..` escape', (a) => `${a}/data/../../outside`],
    ['a symlink inside that leads outside', (a) => `${a}/escape`],
    ['a path under that symlink', (a) => `${a}/escape/new/dir`],
    ['`..` after a symlink (the kernel follows the link first)', (a) => `${a}/escape/../outside`],
    ['a prefix that is not a parent', (a) => `${a}-other`],
    ['the host root', () => '/'],
  ])('refuses %s: Forbidden (403) naming it, nothing created', async (_what, source) => {
    const src = source(allowed, outside);
    const err = await rejected(bind(src));
    expectError(err, {
      type: 'Forbidden',
      message: new RegExp(
        `^bind mount source ${src.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} .*(outside the directories bind mounts may come from|cannot be resolved) \\(CONTAINER_SAGA_BIND_ALLOW=${allowed}\\)$`,
      ),
    });
    expect(await rt.list()).toEqual([]);
  });

  it.each<[string, (a: string) => string]>([
    ['the directory itself', (a) => a],
    ['a subdirectory', (a) => `${a}/data/sub`],
    ['a `..` that stays inside', (a) => `${a}/data/sub/..`],
    ['a path that does not exist yet', (a) => `${a}/data/new`],
    ['a symlink outside that leads inside', () => path.join(tmp.path, 'in-link')],
  ])('allows %s', async (_what, source) => {
    const rec = await bind(source(allowed));
    expect(rec.HostConfig.Binds).toEqual([`${source(allowed)}:/mnt`]);
  });

  it('named volumes are not host paths: always allowed; without a list every path is', async () => {
    expect((await rt.create({ image: 'busybox', cmd: ['true'], hostConfig: { Binds: ['data:/mnt'] } })).Id).toMatch(
      /^[0-9a-f]{64}$/,
    );
    rt = simulatedRuntime(rt.root); // the same host without a list
    expect((await bind(outside)).HostConfig.Binds).toEqual([`${outside}:/mnt`]);
  });

  it('resolveHostPath follows symlinks as the kernel does', async () => {
    expect(await resolveHostPath(`${allowed}/escape/x`)).toBe(path.join(outside, 'x'));
    expect(await resolveHostPath(`${allowed}/nosuch/../x`)).toBeUndefined();
  });
});

describe('image import from a host path obeys the same list', () => {
  it.each<[string, (a: string, o: string) => string, string]>([
    ['a directory outside', (_a, o) => o, 'is'],
    ['a symlink inside that leads outside', (a) => `${a}/escape`, 'resolves to OUTSIDE, which is'],
    ['/etc', () => '/etc', 'is'],
  ])('refuses %s: Forbidden (403), no image', async (_what, source, how) => {
    const src = source(allowed, outside);
    expectError(await rejected(rt.importImage('img', src)), {
      type: 'Forbidden',
      message: `image source ${src} ${how.replace('OUTSIDE', outside)} outside the directories host paths may come from (CONTAINER_SAGA_BIND_ALLOW=${allowed})`,
    });
    expect(await rt.listImages()).not.toContainEqual(expect.objectContaining({ name: 'img' }));
  });

  it.each(['data', '-rf', './data'])('refuses the relative path %j (400), policy or not', async (src) => {
    for (const r of [rt, simulatedRuntime(rt.root)])
      expectError(await rejected(r.importImage('img', src)), {
        type: 'InvalidParameter',
        message: `image source ${src} must be an absolute path on the worker's host`,
      });
  });

  it('imports from inside (through a symlink outside that leads in too), and anywhere without a list', async () => {
    expect((await rt.importImage('img', `${allowed}/data`)).name).toBe('img');
    expect((await rt.importImage('img2', path.join(tmp.path, 'in-link'))).name).toBe('img2');
    expect((await simulatedRuntime(rt.root).importImage('img3', outside)).name).toBe('img3');
  });
});

describe('state files are not for other users', () => {
  it('root, containers/ and containers/<id>/ are 0700; the record and events.jsonl 0600', async () => {
    const root = rt.root;
    await mkdir(root, { recursive: true, mode: 0o755 }); // an existing root with a loose mode is tightened
    const rec = await rt.create({ image: 'busybox', cmd: ['true'], env: ['SECRET=x'] });
    const mode = async (p: string) => ((await stat(path.join(root, p))).mode & 0o777).toString(8);
    expect({
      root: await mode('.'),
      containers: await mode('containers'),
      container: await mode(`containers/${rec.Id}`),
      record: await mode(`containers/${rec.Id}/config.json`),
      events: await mode('events.jsonl'),
    }).toEqual({ root: '700', containers: '700', container: '700', record: '600', events: '600' });
  });
});
