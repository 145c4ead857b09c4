import { describe, expect, it } from 'vitest';
import { checkPsArgs, parsePsOutput, pidsArg, psArgv } from '../../common/ps-output';
import { checkNewName, RenameMessages, renamedLinks } from '../../common/rename';
import { diskUsageSummary, goHumanSize } from '../../client/disk-usage-rows';
import { tabwrite } from '../../client/tabwriter';
import type { DiskUsageResult } from '../../common/container-verbs-api';
import type { ContainerRecord } from '../../common/types';
import { prunableBy } from '../../runtime/container-prune';

/** rename's rules, top's ps handling, prune's filters and df's table (pure); end to end: test/e2e/container-verbs-*. */

const PS_EF = [
  'UID          PID    PPID  C STIME TTY          TIME CMD',
  'root           1       0  0 Dec07 ?        00:04:02 /sbin/init splash',
  'root        4242       1  0 00:10 ?        00:00:00 sleep 1000',
  'root        4300    4242  0 00:11 pts/0    00:00:00 sh -c echo  two  spaces',
  '',
].join('\n');

describe('docker top: ps output', () => {
  it('keeps the header and the rows of the given pids; the last column takes the rest of the line', () => {
    expect(parsePsOutput(PS_EF, [4242, 4300])).toEqual({
      Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
      Processes: [
        ['root', '4242', '1', '0', '00:10', '?', '00:00:00', 'sleep 1000'],
        ['root', '4300', '4242', '0', '00:11', 'pts/0', '00:00:00', 'sh -c echo two spaces'],
      ],
    });
    expect(parsePsOutput(PS_EF, []).Processes).toEqual([]);
  });

  it("follows a process with its thread rows (PID '-'), and only a process of the container", () => {
    const threads = ['USER PID TID CMD', 'root 4242 - sleep', 'root - 4242 -', 'root 1 - init', 'root - 1 -', ''].join(
      '\n',
    );
    expect(parsePsOutput(threads, [4242]).Processes).toEqual([
      ['root', '4242', '-', 'sleep'],
      ['root', '-', '4242', '-'],
    ]);
  });

  it("refuses ps output without a PID column or with an unreadable pid (Docker's 500s)", () => {
    expect(() => parsePsOutput('USER CMD\nroot sh\n', [1])).toThrow("Couldn't find PID field in ps output");
    expect(() => parsePsOutput('PID CMD\nabc sh\n', [1])).toThrow("Unexpected pid 'abc'");
  });

  it('splits ps_args on spaces, -ef by default; -q narrows to the pids; only pid= may relabel PID', () => {
    expect(psArgv(undefined)).toEqual(['-ef']);
    expect(psArgv('')).toEqual(['-ef']);
    expect(psArgv('-o pid,comm')).toEqual(['-o', 'pid,comm']);
    expect(pidsArg([3, 14, 15])).toBe('-q3,14,15');
    expect(() => checkPsArgs('-o pid=PID')).not.toThrow();
    expect(() => checkPsArgs('aux')).not.toThrow();
    expect(() => checkPsArgs('-o user=PID')).toThrow(
      expect.objectContaining({ type: 'InvalidParameter', message: 'specifying "user=PID" is not allowed' }),
    );
  });
});

describe('docker rename: rules', () => {
  it("adds the slash; refuses an empty or invalid name with Docker's messages", () => {
    expect(checkNewName('web2')).toBe('/web2');
    expect(checkNewName('/web.2_b-c')).toBe('/web.2_b-c');
    expect(() => checkNewName('')).toThrow(RenameMessages.empty);
    for (const bad of ['a', 'a b', '-x', 'a/b', '/'])
      expect(() => checkNewName(bad), bad).toThrow(
        expect.objectContaining({
          type: 'InvalidParameter',
          message: `Error when allocating new name: Invalid container name (${bad.startsWith('/') ? bad : `/${bad}`}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
        }),
      );
  });

  it('rewrites the links that name the old name, keeping their alias; leaves others (and ID prefixes) alone', () => {
    expect(renamedLinks(['db', 'cache:c', 'db:database', 'abc123:x'], '/db', '/db2')).toEqual([
      'db2:db',
      'cache:c',
      'db2:database',
      'abc123:x',
    ]);
    expect(renamedLinks(['cache:c'], '/db', '/db2')).toBeUndefined();
  });
});

describe('docker container prune: filters', () => {
  const rec = {
    Created: '2026-01-01T00:00:00Z',
    Config: { Labels: { tier: 'db', keep: '' } },
  } as unknown as ContainerRecord;
  it('label, label! and until as Docker applies them', () => {
    expect(prunableBy(rec, {})).toBe(true);
    expect(prunableBy(rec, { labels: ['tier=db', 'keep'] })).toBe(true);
    expect(prunableBy(rec, { labels: ['tier=web'] })).toBe(false);
    expect(prunableBy(rec, { labelsNot: ['keep'] })).toBe(false);
    expect(prunableBy(rec, { until: '2026-01-02T00:00:00Z' })).toBe(true);
    expect(prunableBy(rec, { until: '2025-12-31T00:00:00Z' })).toBe(false);
  });
});

describe('docker system df and top: output', () => {
  it("go-units' HumanSize (decimal, 4 significant digits)", () => {
    expect([0, 999, 1000, 4_261_000, 1_234_567_890].map((b) => goHumanSize(b))).toEqual([
      '0B',
      '999B',
      '1kB',
      '4.261MB',
      '1.235GB',
    ]);
    expect(goHumanSize(4_261_000, 3)).toBe('4.26MB');
  });

  it("Go's tabwriter: every cell but the last padded to its column, at least the minimum width", () => {
    expect(
      tabwrite(
        [
          ['UID', 'PID', 'CMD'],
          ['root', '12345678901234567890', 'sleep 1'],
        ],
        20,
      ),
    ).toBe(`UID                 PID                    CMD\nroot                12345678901234567890   sleep 1\n`);
  });

  it('the summary table: totals, active ones and what is reclaimable, with its share', () => {
    const state = (Status: string) => ({ Status }) as ContainerRecord['State'];
    const du: DiskUsageResult = {
      layersSize: 4_000_000,
      images: [
        { image: { sizeBytes: 3_000_000 } as never, containers: 1, sharedSize: 1_000_000 },
        { image: { sizeBytes: 2_000_000 } as never, containers: 0, sharedSize: 1_000_000 },
      ],
      containers: [
        { record: { State: state('running') } as ContainerRecord, sizeRw: 100, sizeRootFs: 0 },
        { record: { State: state('exited') } as ContainerRecord, sizeRw: 300, sizeRootFs: 0 },
      ],
      volumes: [{ volume: {} as never, size: 0, refCount: 0 }],
    };
    expect(diskUsageSummary(du)).toBe(
      [
        'TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE',
        'Images          2         1         4MB       2MB (50%)',
        'Containers      2         1         400B      300B (75%)',
        'Local Volumes   1         0         0B        0B',
        'Build Cache     0         0         0B        0B',
        '',
      ].join('\n'),
    );
  });
});
