/** Image references, IDs, list entries, inspect and filters of the Engine API. No Temporal. */
import { describe, expect, it } from 'vitest';
import { imageFilter } from '../../api/convert/image-filters';
import { findImage, imageInspect, imageSummary } from '../../api/convert/image-json';
import { familiarReference, imageId, localImageName, repoTag, splitReference } from '../../api/convert/image-ref';
import type { ImageInfo } from '../../common/types';
import { apiStatus } from './helpers';

const busybox: ImageInfo = { name: 'busybox', created: '2026-11-30T10:00:00.000Z', sizeBytes: 2_150_000 };
const alpine: ImageInfo = { name: 'tools/alpine', created: '2026-11-30T11:00:00.000Z', sizeBytes: 5_000_000 };
const images = [busybox, alpine];

const status = apiStatus;

describe('references', () => {
  it('split as Docker splits them: a tag follows the last slash', () => {
    expect(splitReference('busybox')).toEqual({ name: 'busybox' });
    expect(splitReference('busybox:1.36')).toEqual({ name: 'busybox', tag: '1.36' });
    expect(splitReference('localhost:5000/x')).toEqual({ name: 'localhost:5000/x' });
    expect(splitReference('localhost:5000/x:v1@sha256:ab')).toEqual({
      name: 'localhost:5000/x',
      tag: 'v1',
      digest: 'sha256:ab',
    });
  });

  it('name and name:latest are the image; anything else cannot be here', () => {
    expect(localImageName('busybox')).toBe('busybox');
    expect(localImageName('busybox:latest')).toBe('busybox');
    expect(status(() => localImageName('busybox:1.36'))).toEqual([404, 'No such image: busybox:1.36']);
    expect(status(() => localImageName('busybox@sha256:ab'))).toEqual([404, 'No such image: busybox@sha256:ab']);
    expect(familiarReference('busybox')).toBe('busybox:latest');
    expect(familiarReference('busybox:1.36')).toBe('busybox:1.36');
    expect(repoTag('busybox')).toBe('busybox:latest');
  });

  it('IDs: sha256, stable per name, distinct between names', () => {
    expect(imageId('busybox')).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(imageId('busybox')).toBe(imageId('busybox'));
    expect(imageId('busybox')).not.toBe(imageId('alpine'));
  });
});

describe('lookup, list entries and inspect', () => {
  it('by name, name:latest, full ID or a unique hex prefix; 404 with the reference otherwise', () => {
    const id = imageId('busybox');
    expect(findImage(images, 'busybox')).toBe(busybox);
    expect(findImage(images, 'busybox:latest')).toBe(busybox);
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
      Id: imageId('busybox'),
      Labels: {},
      ParentId: '',
      RepoDigests: [],
      RepoTags: ['busybox:latest'],
      SharedSize: -1,
      Size: 2_150_000,
      VirtualSize: 2_150_000,
    });
  });

  it("inspect: Docker's fields, a config with PATH and no command, one layer", () => {
    const img = imageInspect(busybox);
    expect(img).toMatchObject({
      Id: imageId('busybox'),
      RepoTags: ['busybox:latest'],
      RepoDigests: [],
      Created: busybox.created,
      Os: 'linux',
      Size: 2_150_000,
    });
    expect(img.Config).toMatchObject({ Cmd: null, Entrypoint: null, Env: [expect.stringMatching(/^PATH=/)] });
    expect(img.RootFS).toEqual({ Type: 'layers', Layers: [imageId('busybox')] });
    expect(img.Architecture).toMatch(/^\w+$/);
  });
});

describe('list filters', () => {
  const q = (filters: unknown) => new URLSearchParams({ filters: JSON.stringify(filters) });
  const names = (filters: unknown) => images.filter(imageFilter(q(filters), images)).map((i) => i.name);

  it('reference globs over the name and name:tag; dangling; label; before and since', () => {
    expect(names({ reference: ['busybox'] })).toEqual(['busybox']);
    expect(names({ reference: ['busy*'] })).toEqual(['busybox']);
    expect(names({ reference: ['*:latest'] })).toEqual(['busybox']);
    expect(names({ reference: ['tools/*'] })).toEqual(['tools/alpine']);
    expect(names({ reference: ['*'] })).toEqual(['busybox']);
    expect(names({ dangling: ['true'] })).toEqual([]);
    expect(names({ dangling: ['false'] })).toEqual(['busybox', 'tools/alpine']);
    expect(names({ label: ['a=b'] })).toEqual([]);
    expect(names({ before: ['tools/alpine'] })).toEqual(['busybox']);
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
    expect(status(() => imageFilter(q({ bogus: ['x'] }), images))).toEqual([400, "invalid filter 'bogus'"]);
    expect(status(() => imageFilter(q({ dangling: ['maybe'] }), images))).toEqual([
      400,
      "Invalid filter 'dangling=maybe'",
    ]);
    expect(status(() => imageFilter(q({ before: ['nosuch'] }), images))).toEqual([404, 'No such image: nosuch']);
  });
});
