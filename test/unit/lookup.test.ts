/** common/lookup.ts against Docker's daemon.GetContainer (full ID, exact name, unique ID prefix) and name rule. */
import { describe, expect, it } from 'vitest';
import { findContainer, VALID_NAME, type Named } from '../../common/lookup';
import { expectError, hexId, thrown, type ExpectedError } from './helpers';

const WEB: Named = { Id: hexId('aaaa1111', '1'), Name: '/web' };
const DB: Named = { Id: hexId('aaaa2222', '2'), Name: '/db' };
// A name that is also a unique prefix of WEB's ID: Docker tries names before prefixes, so the name wins.
const TRICKY: Named = { Id: hexId('bbbb3333', '3'), Name: '/aaaa1' };
// A name equal to another container's full ID: the full ID is tried first and wins.
const SHADOW: Named = { Id: hexId('cccc4444', '4'), Name: `/${DB.Id}` };
const ALL = [WEB, DB, TRICKY, SHADOW];

describe('findContainer', () => {
  it.each<[string, string, Named]>([
    ['full ID', WEB.Id, WEB],
    ['full ID beats a name equal to it', DB.Id, DB],
    ['exact name without slash', 'web', WEB],
    ['exact name with slash', '/web', WEB],
    ['name that looks like a prefix of another ID (name wins)', 'aaaa1', TRICKY],
    ['unique ID prefix', 'aaaa11', WEB],
    ['unique ID prefix of 12 chars', DB.Id.slice(0, 12), DB],
    ['one-char unique prefix', 'b', TRICKY],
    ['name that is another full ID, by slash form', `/${DB.Id}`, SHADOW],
  ])('%s: %s', (_what, ref, want) => {
    expect(findContainer(ALL, ref)).toBe(want);
  });

  it.each<[string, string, ExpectedError]>([
    [
      'ambiguous prefix',
      'aaaa',
      { type: 'AmbiguousContainer', message: /^multiple IDs found with provided prefix: aaaa$/i },
    ],
    [
      'ambiguous one-char prefix',
      'a',
      { type: 'AmbiguousContainer', message: /^multiple IDs found with provided prefix: a$/i },
    ],
    ['not found', 'nosuch', { type: 'NoSuchContainer', message: 'No such container: nosuch' }],
    ['not found, slash form is echoed', '/nosuch', { type: 'NoSuchContainer', message: 'No such container: /nosuch' }],
    ['a slash never makes an ID prefix', '/aaaa11', { type: 'NoSuchContainer', message: 'No such container: /aaaa11' }],
    ['names are case-sensitive', 'WEB', { type: 'NoSuchContainer', message: 'No such container: WEB' }],
    ['ID prefixes are case-sensitive', 'AAAA11', { type: 'NoSuchContainer', message: 'No such container: AAAA11' }],
  ])('%s: %j', (_what, ref, want) => {
    expectError(
      thrown(() => findContainer(ALL, ref)),
      want,
    );
  });

  it('empty reference is a 400 (Docker: invalid parameter), never a lookup', () => {
    const err = thrown(() => findContainer(ALL, ''));
    expect(err.status).toBe(400);
    expect(err.type).not.toBe('NoSuchContainer');
  });

  it('nothing to search: not found', () => {
    expectError(
      thrown(() => findContainer([], 'web')),
      { type: 'NoSuchContainer', message: 'No such container: web' },
    );
  });
});

describe('VALID_NAME (Docker: [a-zA-Z0-9][a-zA-Z0-9_.-]+, leading slash allowed)', () => {
  it.each<[string, boolean]>([
    ['web', true],
    ['/web', true],
    ['a1', true],
    ['my_app.v2-x', true],
    ['0day', true],
    ['a', false],
    ['/a', false],
    ['', false],
    ['/', false],
    ['_web', false],
    ['.web', false],
    ['-web', false],
    ['web!', false],
    ['we b', false],
    ['//web', false],
    ['web/x', false],
    ['wéb', false],
    ['web\n', false],
  ])('%j → %s', (name, ok) => {
    expect(VALID_NAME.test(name)).toBe(ok);
  });
});
