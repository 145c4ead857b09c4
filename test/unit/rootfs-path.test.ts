/**
 * runtime/rootfs-path.ts mkdirInRoot and readInRoot on a real temp rootfs (Docker: SetupWorkingDirectory +
 * FollowSymlinkInScope).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { mkdirInRoot, readInRoot } from '../../runtime/rootfs-path';
import { expectError, rejected, tempDirEach, type ExpectedError } from './helpers';

const outer = tempDirEach('rootfs');
let rootfs: string;

beforeEach(async () => {
  rootfs = path.join(outer.path, 'rootfs');
  await mkdir(rootfs);
});

/** A name unique enough that it cannot already exist at the host's / (so creating it there would show). */
const HOSTILE = `cs-unit-${randomBytes(6).toString('hex')}`;

type Setup = (root: string) => Promise<void>;
const file =
  (p: string): Setup =>
  async (root) => {
    await mkdir(path.dirname(path.join(root, p)), { recursive: true });
    await writeFile(path.join(root, p), 'x');
  };
const link =
  (at: string, target: string): Setup =>
  async (root) => {
    await mkdir(path.dirname(path.join(root, at)), { recursive: true });
    await symlink(target, path.join(root, at));
  };
const dir =
  (p: string): Setup =>
  async (root) => {
    await mkdir(path.join(root, p), { recursive: true });
  };

describe('mkdirInRoot: creates inside the rootfs', () => {
  it.each<[string, Setup[], string, string]>([
    ['nested create', [], '/a/b/c', 'a/b/c'],
    ['relative container path', [], 'a/b', 'a/b'],
    ['the root itself', [], '/', ''],
    ['redundant slashes and dots', [], '/./a//b/.', 'a/b'],
    ['.. inside the path', [], '/a/../b', 'b'],
    ['.. cannot escape the root', [], '/../../../x', 'x'],
    ['existing directories are reused', [dir('a/b')], '/a/b/c', 'a/b/c'],
    ['absolute symlink resolves inside the rootfs', [link('abs', `/${HOSTILE}`)], '/abs/sub', `${HOSTILE}/sub`],
    ['absolute symlink to a nested path', [link('etc/app', '/opt/app')], '/etc/app/data', 'opt/app/data'],
    ['relative symlink', [dir('a/real'), link('a/rel', 'real')], '/a/rel/x', 'a/real/x'],
    ['relative symlink with .. cannot escape', [link('esc', `../../../../${HOSTILE}`)], '/esc/y', `${HOSTILE}/y`],
    ['symlink to / stays in the rootfs', [link('up', '/')], '/up/z', 'z'],
    ['dangling symlink target is created in the rootfs', [link('dang', '/nowhere/deep')], '/dang', 'nowhere/deep'],
    ['chained symlinks', [link('l1', 'l2'), link('l2', '/final')], '/l1/w', 'final/w'],
  ])('%s: %s', async (_what, setups, containerPath, want) => {
    for (const s of setups) await s(rootfs);
    const got = await mkdirInRoot(rootfs, containerPath);
    expect(got).toBe(path.join(rootfs, want));
    expect((await stat(got)).isDirectory()).toBe(true);
    // nothing was created next to the rootfs nor at the host's /
    expect(await readdir(outer.path)).toEqual(['rootfs']);
    expect(existsSync(`/${HOSTILE}`)).toBe(false);
  });
});

describe('mkdirInRoot: errors', () => {
  it.each<[string, Setup[], string, ExpectedError]>([
    [
      'a file in the way',
      [file('a/file')],
      '/a/file/b',
      { type: 'NotADirectory', message: 'Cannot mkdir: /a/file/b is not a directory' },
    ],
    [
      'the working dir itself is a file',
      [file('a/file')],
      '/a/file',
      { type: 'NotADirectory', message: 'Cannot mkdir: /a/file is not a directory' },
    ],
    [
      'a symlink to a file in the way',
      [file('a/file'), link('lnk', '/a/file')],
      '/lnk/b',
      { type: 'NotADirectory', message: 'Cannot mkdir: /lnk/b is not a directory' },
    ],
    [
      'a symlink loop',
      [link('loop', '/loop')],
      '/loop/x',
      { type: 'InvalidParameter', message: 'too many symlinks resolving /loop/x' },
    ],
  ])('%s', async (_what, setups, containerPath, want) => {
    for (const s of setups) await s(rootfs);
    expectError(await rejected(mkdirInRoot(rootfs, containerPath)), want);
  });
});

describe('mkdirInRoot: idempotent', () => {
  it.each<[string, Setup[], string]>([
    ['plain path', [], '/a/b/c'],
    ['through an absolute symlink', [link('abs', '/target')], '/abs/sub'],
  ])('%s: a second call returns the same path and keeps what is there', async (_what, setups, containerPath) => {
    for (const s of setups) await s(rootfs);
    const first = await mkdirInRoot(rootfs, containerPath);
    await writeFile(path.join(first, 'keep'), 'me');
    const second = await mkdirInRoot(rootfs, containerPath);
    expect(second).toBe(first);
    expect(await readdir(second)).toEqual(['keep']);
  });
});

describe('readInRoot: reads inside the rootfs only', () => {
  const text =
    (p: string, content: string): Setup =>
    async (root) => {
      await mkdir(path.dirname(path.join(root, p)), { recursive: true });
      await writeFile(path.join(root, p), content);
    };
  it.each<[string, Setup[], string, string | undefined]>([
    ['a file', [text('etc/passwd', 'in')], '/etc/passwd', 'in'],
    [
      'an absolute link resolves in the rootfs',
      [text('real/passwd', 'in'), link('etc/passwd', '/real/passwd')],
      '/etc/passwd',
      'in',
    ],
    [
      'a relative link climbing out stays in',
      [text('passwd', 'in'), link('etc/passwd', '../../../../passwd')],
      '/etc/passwd',
      'in',
    ],
    ['a missing file', [dir('etc')], '/etc/passwd', undefined],
    ['a missing directory', [], '/etc/passwd', undefined],
    ['a file where a directory belongs', [file('etc')], '/etc/passwd', undefined],
    ['a directory is no file', [dir('etc/passwd')], '/etc/passwd', undefined],
  ])('%s', async (_, setups, containerPath, want) => {
    for (const s of setups) await s(rootfs);
    expect(await readInRoot(rootfs, containerPath)).toBe(want);
  });

  it("a link to the host's file reads the rootfs's (or nothing), never the host's", async () => {
    const host = path.join(outer.path, 'host-secret');
    await writeFile(host, 'host');
    await link('etc/passwd', host)(rootfs);
    expect(await readInRoot(rootfs, '/etc/passwd')).toBeUndefined();
  });
});
