/** Image references, IDs, list entries, inspect and filters of the Engine API. No Temporal. */
import { describe, expect, it } from 'vitest';
import { imageFilter } from '../../api/convert/image-filters';
import { findImage, imageInspect, imageSummary } from '../../api/convert/image-json';
import { checkReference, familiarReference } from '../../api/convert/image-ref';
import type { ImageInfo } from '../../common/types';
import { apiStatus } from './helpers';

const ID = (c: string) => `sha256:${c.repeat(64)}`;
const config = (diffs: string[], labels?: Record<string, string>): ImageInfo['config'] => ({
  architecture: 'amd64',
  os: 'linux',
  config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['sh'], ...(labels ? { Labels: labels } : {}) },
  rootfs: { type: 'layers', diff_ids: diffs },
});
const busybox: ImageInfo = {
  name: 'busybox',
  id: ID('b'),
  repoTags: ['busybox:latest'],
  repoDigests: ['busybox@' + ID('d')],
  created: '2026-11-30T10:00:00.000Z',
  sizeBytes: 2_150_000,
  config: config([ID('1')]),
};
const alpine: ImageInfo = {
  name: 'tools/alpine',
  id: ID('a'),
  repoTags: ['tools/alpine:latest'],
  repoDigests: [],
  created: '2026-11-30T11:00:00.000Z',
  sizeBytes: 5_000_000,
  config: config([ID('1'), ID('2')], { tier: 'base' }),
};
const dangling: ImageInfo = {
  name: '<none>:<none>',
  id: ID('c'),
  repoTags: [],
  repoDigests: [],
  created: '2026-11-29T11:00:00.000Z',
  sizeBytes: 1,
  config: config([ID('3')]),
};
const images = [busybox, alpine];

const status = apiStatus;

describe('references', () => {
  it("bad references are Docker's 400 before anything is asked; IDs and prefixes pass", () => {
    expect(checkReference('busybox:1.36')).toBe('busybox:1.36');
    expect(checkReference('localhost:5000/x:v1')).toBe('localhost:5000/x:v1');
    expect(checkReference('0123abcd')).toBe('0123abcd');
    expect(status(() => checkReference('UPPER/case'))).toEqual([
      400,
      'invalid reference format: repository name must be lowercase',
    ]);
    expect(status(() => checkReference('a::b'))).toEqual([400, 'invalid reference format']);
    expect(familiarReference('busybox')).toBe('busybox:latest');
    expect(familiarReference('busybox:1.36')).toBe('busybox:1.36');
  });
});

describe('lookup, list entries and inspect', () => {
  it('by name, name:latest, full ID or a unique hex prefix; 404 with the reference otherwise', () => {
    const id = busybox.id;
    expect(findImage(images, 'busybox')).toBe(busybox);
    expect(findImage(images, 'busybox:latest')).toBe(busybox);
    expect(findImage(images, 'docker.io/library/busybox:latest')).toBe(busybox);
    expect(findImage(images, `busybox@${ID('d')}`)).toBe(busybox);
    expect(findImage(images, 'tools/alpine')).toBe(alpine);
    expect(findImage(images, id)).toBe(busybox);
    expect(findImage(images, id.slice(7, 19))).toBe(busybox);
    expect(status(() => findImage(images, 'nosuch'))).toEqual([404, 'No such image: nosuch']);
    expect(status(() => findImage(images, 'busybox:1.36'))).toEqual([404, 'No such image: busybox:1.36']);
  });

  it("a list entry has Docker's ImageSummary fields", () => {
    expect(imageSummary(busybox)).toEqual({
      Containers: -1,
      Created: Date.parse(busybox.created) / 1000,
      Id: busybox.id,
      Labels: {},
      ParentId: '',
      RepoDigests: ['busybox@' + ID('d')],
      RepoTags: ['busybox:latest'],
      SharedSize: -1,
      Size: 2_150_000,
      VirtualSize: 2_150_000,
    });
  });

  it("inspect: Docker's fields, the image's own config, its diff IDs", () => {
    const img = imageInspect(busybox);
    expect(img).toMatchObject({
      Id: busybox.id,
      RepoTags: ['busybox:latest'],
      Created: busybox.created,
      Os: 'linux',
      Size: 2_150_000,
    });
    expect(img.Config).toMatchObject({ Cmd: ['sh'], Entrypoint: null, Env: [expect.stringMatching(/^PATH=/)] });
    expect(img.RootFS).toEqual({ Type: 'layers', Layers: [ID('1')] });
    expect(img.Architecture).toMatch(/^\w+$/);
  });
});

describe('list filters', () => {
  const q = (filters: unknown) => new URLSearchParams({ filters: JSON.stringify(filters) });
  const all = [...images, dangling];
  const names = (filters: unknown) => all.filter(imageFilter(q(filters), all)).map((i) => i.name);

  it('reference globs over the name and name:tag; dangling; label; before and since', () => {
    expect(names({ reference: ['busybox'] })).toEqual(['busybox']);
    expect(names({ reference: ['busy*'] })).toEqual(['busybox']);
    expect(names({ reference: ['*:latest'] })).toEqual(['busybox']);
    expect(names({ reference: ['tools/*'] })).toEqual(['tools/alpine']);
    expect(names({ reference: ['*'] })).toEqual(['busybox']);
    expect(names({ dangling: ['true'] })).toEqual(['<none>:<none>']);
    expect(names({ dangling: ['false'] })).toEqual(['busybox', 'tools/alpine']);
    expect(names({ label: ['a=b'] })).toEqual([]);
    expect(names({ label: ['tier'] })).toEqual(['tools/alpine']);
    expect(names({ label: ['tier=base'] })).toEqual(['tools/alpine']);
    expect(names({ label: ['tier=top'] })).toEqual([]);
    expect(names({ before: ['tools/alpine'] })).toEqual(['busybox', '<none>:<none>']);
    expect(names({ since: ['busybox'] })).toEqual(['tools/alpine']);
    expect(names({ reference: ['b?sy*x:*'] })).toEqual(['busybox']);
    expect(names({ reference: ['*x*x'] })).toEqual([]);
  });

  it('a pattern of many stars is answered at once, not by exponential backtracking', () => {
    const t0 = performance.now();
    expect(names({ reference: [`${'*'.repeat(40)}!`] })).toEqual([]);
    expect(names({ reference: [`${'*a'.repeat(40)}`] })).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it("bad filters are Docker's 400s", () => {
    expect(status(() => imageFilter(q({ bogus: ['x'] }), all))).toEqual([400, "invalid filter 'bogus'"]);
    expect(status(() => imageFilter(q({ dangling: ['maybe'] }), all))).toEqual([
      400,
      "Invalid filter 'dangling=maybe'",
    ]);
    expect(status(() => imageFilter(q({ before: ['nosuch'] }), all))).toEqual([404, 'No such image: nosuch']);
  });
});
