/** Where save may write and load may read on a host: the bind policy's directories, and the API's spool. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveSpoolDir, resolveArchiveInput, resolveArchiveOutput } from '../../images/archive-paths';

let dir: string;
let root: string;
let allowed: string;
let outside: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-archive-paths-'));
  root = path.join(dir, 'state');
  allowed = path.join(dir, 'allowed');
  outside = path.join(dir, 'outside');
  for (const d of [archiveSpoolDir(root), allowed, outside]) await fs.mkdir(d, { recursive: true });
  await fs.writeFile(path.join(outside, 'in.tar'), '');
  await fs.writeFile(path.join(archiveSpoolDir(root), 'load-1.tar'), '');
  await fs.symlink(outside, path.join(allowed, 'link'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

describe('resolveArchiveOutput', () => {
  it.each([
    [
      'relative.tar',
      undefined,
      'InvalidParameter',
      "output relative.tar must be an absolute path on the worker's host",
    ],
    ['/nosuch-dir/x.tar', undefined, 'InvalidParameter', "its directory does not exist on the worker's host"],
    ['<outside>', undefined, 'InvalidParameter', 'is a directory'],
    ['<outside>/x.tar', ['<allowed>'], 'Forbidden', 'is outside the directories host paths may come from'],
    ['<allowed>/link/x.tar', ['<allowed>'], 'Forbidden', 'resolves to <outside>/x.tar, which is outside'],
  ])('%s (allow %j): %s', async (out, allow, type, message) => {
    const fill = (t: string) => t.replace('<outside>', outside).replace('<allowed>', allowed);
    const err = await resolveArchiveOutput(fill(out), allow?.map(fill), root).catch((e: unknown) => e);
    expect(err).toMatchObject({ type });
    expect((err as Error).message).toContain(fill(message));
  });

  it('takes a path under the allowed directories, or in the spool whatever the policy', async () => {
    expect(await resolveArchiveOutput(path.join(allowed, 'x.tar'), [allowed], root)).toBe(path.join(allowed, 'x.tar'));
    const spooled = path.join(archiveSpoolDir(root), 'save-1.tar');
    expect(await resolveArchiveOutput(spooled, [allowed], root)).toBe(spooled);
    expect(await resolveArchiveOutput(path.join(outside, 'x.tar'), undefined, root)).toBe(path.join(outside, 'x.tar'));
  });
});

describe('resolveArchiveInput', () => {
  it('is confined as an import source, the spool excepted', async () => {
    await expect(resolveArchiveInput(path.join(outside, 'in.tar'), [allowed], root)).rejects.toMatchObject({
      type: 'Forbidden',
      message: expect.stringMatching(/^archive .* is outside the directories host paths may come from/) as string,
    });
    await expect(resolveArchiveInput('in.tar', undefined, root)).rejects.toMatchObject({ type: 'InvalidParameter' });
    const spooled = path.join(archiveSpoolDir(root), 'load-1.tar');
    expect(await resolveArchiveInput(spooled, [allowed], root)).toBe(spooled);
    // the spool directory itself is no archive of the API's
    await expect(resolveArchiveInput(archiveSpoolDir(root), [allowed], root)).rejects.toMatchObject({
      type: 'Forbidden',
    });
  });
});
