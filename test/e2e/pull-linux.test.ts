import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { linuxApiSuite } from '../api-harness';
import { testNetwork } from '../linux-fixture';
import { buildWhiteoutImage } from '../pull-fixture';
import { push, startRegistry, type TestRegistry } from '../registry-fixture';

// docker pull of a two-layer image with whiteouts from a real registry on loopback, then docker run of it on the
// Linux driver: the container sees the layers stacked by overlayfs, the second layer's deletions honoured.
// Needs root (every test FAILS with the reason without it).

const suite = linuxApiSuite('cs-pull-linux', testNetwork('e2e/pull-linux'));
const dir = mkdtempSync(path.join(os.tmpdir(), 'pull-linux-'));
let reg: TestRegistry | undefined;

beforeAll(async () => {
  reg = await startRegistry(path.join(dir, 'reg'));
  await buildWhiteoutImage(path.join(dir, 'layout'), 'wh');
  push(path.join(dir, 'layout'), 'wh', `${reg.domain}/wh:1`);
  push(path.join(dir, 'layout'), 'wh', `${reg.domain}/other:2`);
}, 120_000);

afterAll(async () => {
  await reg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('docker pull, then docker run of the pulled image (Linux driver)', () => {
  suite.it('the container sees both layers, with the whiteouts of the second', async () => {
    const image = `${reg!.domain}/wh:1`;
    const pulled = await suite.docker(['pull', image], 120_000);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.stdout).toContain(`Status: Downloaded newer image for ${image}`);
    const r = await suite.docker(['run', '--rm', image, 'sh', '-c', 'ls /data; cat /data/keep']);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'keep\nnew\nkeep\n', '']);
  });

  suite.it('docker run of an image not here: the docker CLI is answered 404, pulls it, and runs it', async () => {
    const image = `${reg!.domain}/other:2`;
    const r = await suite.docker(['run', '--rm', image, 'cat', '/data/new'], 120_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Unable to find image '${image}' locally`);
    expect(r.stdout).toBe('new\n');
  });
});
