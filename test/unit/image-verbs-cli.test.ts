/** The image verbs' tables (client/image-rows.ts) and prune filters (api/convert/image-prune.ts). No Temporal. */
import { describe, expect, it } from 'vitest';
import { narrowReferences } from '../../api/convert/image-filters';
import { pruneInput, untilTime } from '../../api/convert/image-prune';
import { deleteLines, historyRows, imageHead, imageRows } from '../../client/image-rows';
import type { ImageInfo } from '../../common/types';
import { checkWorkflowInput } from '../../common/input-check';
import { apiStatus, thrown } from './helpers';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const ID = (c: string) => `sha256:${c.repeat(64)}`;
const D = ID('d');
const image = (id: string, repoTags: string[], repoDigests: string[] = [], hosts = ['h1']) =>
  ({
    name: repoTags[0] ?? '<none>:<none>',
    id,
    repoTags,
    repoDigests,
    created: '2026-12-01T11:00:00Z',
    sizeBytes: 4_260_000,
    config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } },
    hosts,
  }) satisfies ImageInfo & { hosts: string[] };

describe('image ls rows (Docker image formatter)', () => {
  const imgs = [
    image(ID('a'), ['busybox:latest', 'mybox:1'], [`busybox@${D}`], ['h1', 'h2']),
    image(ID('b'), [], [`app@${D}`]),
    image(ID('c'), []),
  ];

  it.each([
    [
      'one row per repository and tag; a digest-only repository has tag <none>; no reference: <none> <none>',
      {},
      [
        ['busybox', 'latest', 'aaaaaaaaaaaa', 'About an hour ago', '4.26MB', 'h1,h2'],
        ['mybox', '1', 'aaaaaaaaaaaa', 'About an hour ago', '4.26MB', 'h1,h2'],
        ['app', '<none>', 'bbbbbbbbbbbb', 'About an hour ago', '4.26MB', 'h1'],
        ['<none>', '<none>', 'cccccccccccc', 'About an hour ago', '4.26MB', 'h1'],
      ],
    ],
    [
      '--digests beside the tags of their repository; --no-trunc full IDs',
      { digests: true, noTrunc: true },
      [
        ['busybox', 'latest', D, ID('a'), 'About an hour ago', '4.26MB', 'h1,h2'],
        ['mybox', '1', '<none>', ID('a'), 'About an hour ago', '4.26MB', 'h1,h2'],
        ['app', '<none>', D, ID('b'), 'About an hour ago', '4.26MB', 'h1'],
        ['<none>', '<none>', '<none>', ID('c'), 'About an hour ago', '4.26MB', 'h1'],
      ],
    ],
  ])('%s', (_what, opts, rows) => {
    expect(imageRows(imgs, { ...opts, now: NOW })).toEqual(rows);
  });

  it('headers; a reference filter keeps only the matching references', () => {
    expect(imageHead()).toEqual(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'HOST']);
    expect(imageHead(true)).toEqual(['REPOSITORY', 'TAG', 'DIGEST', 'IMAGE ID', 'CREATED', 'SIZE', 'HOST']);
    const q = new URLSearchParams({ filters: JSON.stringify({ reference: ['my*'] }) });
    expect(narrowReferences(q)(imgs[0]!)).toMatchObject({ repoTags: ['mybox:1'], repoDigests: [] });
    expect(narrowReferences(new URLSearchParams())(imgs[0]!)).toBe(imgs[0]);
  });

  it('history rows and rmi lines', () => {
    const created = NOW / 1000 - 7200;
    const items = [
      { Id: ID('a'), Created: created, CreatedBy: `/bin/sh -c ${'x'.repeat(60)}`, Tags: null, Size: 1500, Comment: '' },
      { Id: '<missing>', Created: 0, CreatedBy: 'ADD', Tags: null, Size: 0, Comment: 'c' },
    ];
    expect(historyRows(items, { now: NOW })).toEqual([
      ['aaaaaaaaaaaa', '2 hours ago', `/bin/sh -c ${'x'.repeat(33)}…`, '1.5kB', ''],
      ['<missing>', 'N/A', 'ADD', '0B', 'c'],
    ]);
    expect(historyRows(items, { noTrunc: true, now: NOW })[0]![0]).toBe(ID('a'));
    expect(deleteLines([{ Untagged: 'busybox:latest' }, { Deleted: ID('a') }])).toEqual([
      'Untagged: busybox:latest',
      `Deleted: ${ID('a')}`,
    ]);
  });
});

describe('image prune filters', () => {
  const q = (filters: Record<string, string[]>) => new URLSearchParams({ filters: JSON.stringify(filters) });

  it.each([
    ['none: dangling only', {}, { all: false }],
    ['dangling=false: every unused image', { dangling: ['false'] }, { all: true }],
    ['dangling=true', { dangling: ['true'] }, { all: false }],
    ['labels', { label: ['a=1'], 'label!': ['b'] }, { all: false, labels: ['a=1'], labelsNot: ['b'] }],
    ['until, a duration', { until: ['1h30m'] }, { all: false, until: new Date(NOW - 5_400_000).toISOString() }],
    ['until, Unix seconds', { until: ['1700000000'] }, { all: false, until: '2023-11-14T22:13:20.000Z' }],
    ['until, a date', { until: ['2026-01-02T03:04:05Z'] }, { all: false, until: '2026-01-02T03:04:05.000Z' }],
  ])('%s', (_what, filters, want) => expect(pruneInput(q(filters), NOW)).toEqual(want));

  it.each([
    [{ dangling: ['maybe'] }, "Invalid filter 'dangling=maybe'"],
    [{ until: ['yesterday'] }, 'failed to parse value as time or duration: "yesterday"'],
    [{ until: ['1h', '2h'] }, 'more than one until filter specified'],
    [{ reference: ['x'] }, "invalid filter 'reference'"],
  ])('%j is a 400', (filters, message) => expect(apiStatus(() => pruneInput(q(filters), NOW))).toEqual([400, message]));

  it('untilTime of a bare duration sums its parts', () => {
    expect(untilTime('90s', NOW)).toBe(new Date(NOW - 90_000).toISOString());
  });
});

describe("the image verbs' workflow inputs", () => {
  it.each([
    ['imageTag', { source: 'a', target: 'b', host: 'h1' }, undefined],
    ['imageTag', { source: 'a' }, 'target'],
    ['imageRemove', { image: 'a', force: false, noprune: true, dryRun: true }, undefined],
    ['imageRemove', { image: 'a', force: 'yes' }, 'force'],
    ['imageRemove', { image: 'a', force: true, host: '../x' }, 'host'],
    ['imagePrune', { all: true, labels: ['a'], labelsNot: ['b'], until: '2026-01-01T00:00:00Z' }, undefined],
    ['imagePrune', { all: false, labels: 'a' }, 'labels'],
  ] as const)('%s %j', (type, input, field) => {
    if (field === undefined) return expect(() => checkWorkflowInput(type, input)).not.toThrow();
    const err = thrown(() => checkWorkflowInput(type, input));
    expect([err.type, err.message]).toEqual(['InvalidParameter', expect.stringContaining(field)]);
  });
});
