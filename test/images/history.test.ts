/** docker history from an image's config (images/history.ts). */
import { describe, expect, it } from 'vitest';
import type { ImageInfo } from '../../common/image-config';
import { ContainerError } from '../../common/errors';
import { imageHistory } from '../../images/history';

const ID = `sha256:${'ab'.repeat(32)}`;
const L = (n: number) => `sha256:${String(n).repeat(64)}`;

function image(history: ImageInfo['config']['history'], layers: number[], repoTags = ['app:1']): ImageInfo {
  return {
    name: repoTags[0] ?? '<none>:<none>',
    id: ID,
    repoTags,
    repoDigests: [],
    created: '2026-01-02T00:00:00Z',
    sizeBytes: layers.reduce((a, b) => a + b, 0),
    layerSizes: layers,
    config: {
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: layers.map((_, i) => L(i + 1)) },
      history,
    },
  };
}

describe('image history', () => {
  it('newest first; layers sized bottom up; empty layers 0; only the top entry names the image', () => {
    const img = image(
      [
        { created: '2026-01-01T00:00:00Z', created_by: '/bin/sh -c #(nop) ADD file:x in /' },
        { created: '2026-01-01T00:00:01Z', created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
        { created: '2026-01-01T00:00:02Z', created_by: 'RUN apk add curl', comment: 'buildkit.dockerfile.v0' },
      ],
      [1000, 250],
    );
    const t = Date.parse('2026-01-01T00:00:00Z') / 1000;
    expect(imageHistory(img)).toEqual([
      {
        Id: ID,
        Created: t + 2,
        CreatedBy: 'RUN apk add curl',
        Tags: ['app:1'],
        Size: 250,
        Comment: 'buildkit.dockerfile.v0',
      },
      { Id: '<missing>', Created: t + 1, CreatedBy: '/bin/sh -c #(nop)  CMD ["sh"]', Tags: null, Size: 0, Comment: '' },
      {
        Id: '<missing>',
        Created: t,
        CreatedBy: '/bin/sh -c #(nop) ADD file:x in /',
        Tags: null,
        Size: 1000,
        Comment: '',
      },
    ]);
  });

  it('an untagged image has Tags null; no history is an empty list; more layer entries than layers is a 500', () => {
    expect(imageHistory(image([{ created_by: 'x' }], [5], []))).toEqual([
      { Id: ID, Created: 0, CreatedBy: 'x', Tags: null, Size: 5, Comment: '' },
    ]);
    expect(imageHistory(image(undefined, [5]))).toEqual([]);
    expect(() => imageHistory(image([{}, {}], [5]))).toThrow(ContainerError);
    expect(() => imageHistory(image([{}, {}], [5]))).toThrow('too many non-empty layers in History section');
  });
});
