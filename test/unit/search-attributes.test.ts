import { describe, expect, it } from 'vitest';
import { SearchAttributeTypes } from '../../common/names';
import { ensureSearchAttributes, registerCommands, SearchAttributesMissing } from '../../worker/search-attributes';

// The worker's start-up check of the namespace's search attributes, against a fake operator service.

function fakeOperator(registered: Record<string, number>, opts: { refuse?: boolean } = {}) {
  const added: Record<string, number>[] = [];
  return {
    added,
    listSearchAttributes: async () => ({ customAttributes: { ...registered } }),
    addSearchAttributes: async (req: { searchAttributes?: Record<string, number> | null }) => {
      if (opts.refuse) throw new Error('7 PERMISSION_DENIED: Request unauthorized.');
      added.push(req.searchAttributes ?? {});
      Object.assign(registered, req.searchAttributes);
      return {};
    },
  };
}

describe('ensureSearchAttributes', () => {
  it('registers only the missing ones, with their types, and names them', async () => {
    const op = fakeOperator({ ContainerId: 2 });
    const wanted = { ContainerId: 'Keyword', ContainerName: 'Keyword', RestartCount: 'Int' } as const;
    expect(await ensureSearchAttributes(op as never, 'default', wanted)).toEqual(['ContainerName', 'RestartCount']);
    expect(op.added).toEqual([{ ContainerName: 2, RestartCount: 3 }]);
  });

  it('does nothing when every one is registered', async () => {
    const op = fakeOperator(Object.fromEntries(Object.keys(SearchAttributeTypes).map((n) => [n, 2])));
    expect(await ensureSearchAttributes(op as never, 'default')).toEqual([]);
    expect(op.added).toEqual([]);
  });

  it('fails naming the commands to run when the server refuses to add them', async () => {
    const op = fakeOperator({}, { refuse: true });
    const err = await ensureSearchAttributes(op as never, 'prod', { ContainerId: 'Keyword' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SearchAttributesMissing);
    expect((err as Error).message).toBe(
      'namespace prod lacks the search attributes ContainerId and this worker may not add them (7 PERMISSION_DENIED: Request unauthorized.); ' +
        'register them, then start the worker again:\n  temporal operator search-attribute create --namespace prod --name ContainerId --type Keyword',
    );
  });

  it('gives one command per attribute', () => {
    expect(registerCommands('ns', { A: 'Keyword', B: 'Int' })).toEqual([
      'temporal operator search-attribute create --namespace ns --name A --type Keyword',
      'temporal operator search-attribute create --namespace ns --name B --type Int',
    ]);
  });
});
