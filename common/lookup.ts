import { ContainerError, Messages } from './errors';

export interface Named {
  Id: string;
  Name: string;
}

/** How a ref matched a container: Docker's daemon.Get tries a full ID, then an exact name, then an ID prefix. */
export type MatchedBy = 'id' | 'name' | 'prefix';

/**
 * Docker's daemon.Get: full ID, then exact name (with or without the leading slash), then a unique ID prefix;
 * undefined when nothing matches. AmbiguousContainer (400) for an empty or shared prefix. The one lookup of
 * the project: a host's store, the first look of a start, and the merge of every host's answers use it.
 */
export function matchContainer<T extends Named>(
  all: readonly T[],
  ref: string,
): { found: T; by: MatchedBy } | undefined {
  if (ref === '') throw new ContainerError('AmbiguousContainer', "prefix can't be empty");
  const byId = all.find((c) => c.Id === ref);
  if (byId) return { found: byId, by: 'id' };
  const name = ref.startsWith('/') ? ref : `/${ref}`;
  const byName = all.find((c) => c.Name === name);
  if (byName) return { found: byName, by: 'name' };
  const byPrefix = all.filter((c) => c.Id.startsWith(ref));
  if (byPrefix.length > 1)
    throw new ContainerError('AmbiguousContainer', `Multiple IDs found with provided prefix: ${ref}`);
  return byPrefix.length === 1 ? { found: byPrefix[0]!, by: 'prefix' } : undefined;
}

/** matchContainer's container, or NoSuchContainer (404). */
export function findContainer<T extends Named>(all: readonly T[], ref: string): T {
  const match = matchContainer(all, ref);
  if (!match) throw new ContainerError('NoSuchContainer', Messages.noSuchContainer(ref));
  return match.found;
}

/** Docker's name rule for --name: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
export const VALID_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
