/**
 * A fault label's hold file (runtime/faults.ts) lies in the state root: the label is any client's input and the
 * hook writes FILE.held as the worker's user, so a path outside (given, through `..` or through a symlink) is
 * refused before anything is written; inside, the step is held until FILE exists.
 */
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { defaultHostConfig } from '../../common/types';
import { faultHooks, FAULT_LABEL, holdFileIn } from '../../runtime/faults';
import { exists } from '../../runtime/fsutil';
import { expectError, hexId, record, rejected, tempDirEach } from './helpers';

const tmp = tempDirEach('hold');
let root: string;
let outside: string;
beforeEach(async () => {
  root = path.join(tmp.path, 'root');
  outside = path.join(tmp.path, 'outside');
  await mkdir(root);
  await mkdir(outside);
  await symlink(outside, path.join(root, 'escape')); // root/escape → outside
});

const refusal = (file: string) => ({
  type: 'InvalidParameter' as const,
  message: `fault hold file ${file} must be an absolute path inside the state root ${root} (runtime/faults.ts)`,
});

describe('holdFileIn', () => {
  it.each<[string, () => string]>([
    ['a path outside', () => path.join(outside, 'go')],
    ['/etc', () => '/etc/go'],
    ['a `..` escape', () => path.join(root, '..', 'outside', 'go')],
    ['a symlink in the root that leads outside', () => path.join(root, 'escape', 'go')],
    ['a relative path', () => 'go'],
    ['the root itself', () => root],
  ])('refuses %s', async (_what, file) => {
    expectError(await rejected(holdFileIn(root, file())), refusal(file()));
  });

  it('accepts a file in the root or below it, resolved', async () => {
    expect(await holdFileIn(root, path.join(root, 'go'))).toBe(path.join(root, 'go'));
    expect(await holdFileIn(root, path.join(root, 'a', '..', 'go'))).toBe(path.join(root, 'go'));
  });
});

describe('the hold hook', () => {
  const hooksFor = (plan: string) => {
    const rec = record({ Id: hexId('h'), Name: '/held', HostConfig: defaultHostConfig() });
    rec.Config.Labels[FAULT_LABEL] = plan;
    return { id: rec.Id, hooks: faultHooks({ root, lookup: async () => rec }, undefined) };
  };

  it('with a file outside the root fails the step and writes nothing there', async () => {
    const file = path.join(root, 'escape', 'go');
    const { id, hooks } = hooksFor(`network=hold:${file}`);
    let ran = false;
    const err = await rejected(hooks.around('network', id, undefined, async () => (ran = true)));
    expectError(err, refusal(file));
    expect([ran, await readdir(outside)]).toEqual([false, []]);
  });

  it('with a file inside holds the step until the file exists', async () => {
    const file = path.join(root, 'go');
    const { id, hooks } = hooksFor(`network=hold:${file}`);
    let ran = false;
    const step = hooks.around('network', id, undefined, async () => (ran = true));
    while (!(await exists(`${file}.held`))) await new Promise((r) => setTimeout(r, 10));
    expect(ran).toBe(false);
    await writeFile(file, '');
    await step;
    expect(ran).toBe(true);
  });
});
