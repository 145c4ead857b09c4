import { describe, expect, it } from 'vitest';
import { parseMountInfo } from '../../runtime/drivers/linux/mountinfo';
import { rootfsPropagation } from '../../runtime/drivers/linux/propagation';
import type { VolumeMount } from '../../runtime/driver';

const TABLE = parseMountInfo(
  [
    '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
    '40 27 0:40 / /srv rw,relatime shared:5 - tmpfs tmpfs rw',
    '41 27 0:41 / /mnt rw,relatime master:5 - tmpfs tmpfs rw',
  ].join('\n'),
);
const bind = (source: string, propagation?: string): VolumeMount => ({
  kind: 'bind',
  source,
  destination: '/x',
  readonly: false,
  ...(propagation ? { propagation } : {}),
});

describe("rootfsPropagation (Docker's rules for a propagating bind)", () => {
  it.each<[VolumeMount[], string | undefined]>([
    [[bind('/srv/a')], undefined],
    [[bind('/srv/a', 'rprivate')], undefined],
    [[bind('/srv/a', 'rslave')], 'rslave'],
    [[bind('/mnt/a', 'slave')], 'rslave'],
    [[bind('/srv/a', 'rshared')], 'rshared'],
    [[bind('/mnt/a', 'rslave'), bind('/srv', 'shared')], 'rshared'],
  ])('%j → %s', (volumes, want) => expect(rootfsPropagation(volumes, TABLE)).toBe(want));

  it("refuses with Docker's messages", () => {
    expect(() => rootfsPropagation([bind('/home/a', 'rslave')], TABLE)).toThrow(
      'path /home/a is mounted on / but it is not a shared or slave mount',
    );
    expect(() => rootfsPropagation([bind('/mnt/a', 'rshared')], TABLE)).toThrow(
      'path /mnt/a is mounted on /mnt but it is not a shared mount',
    );
  });
});
