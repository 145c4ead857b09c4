import { ContainerError, Messages } from './errors';

export interface Named {
  Id: string;
  Name: string;
}

/**
 * Docker's daemon.Get: full ID, then exact name (with or without the leading slash), then a unique ID prefix.
 * Throws NoSuchContainer (404) when nothing matches and AmbiguousContainer (400) for an empty or shared prefix.
 */
export function findContainer<T extends Named>(all: readonly T[], ref: string): T {
  if (ref === '') throw new ContainerError('AmbiguousContainer', 'prefix can\'t be empty');
  const byId = all.find((c) => c.Id === ref);
  if (byId) return byId;
  const name = ref.startsWith('/') ? ref : `/${ref}`;
  const byName = all.find((c) => c.Name === name);
  if (byName) return byName;
  const byPrefix = all.filter((c) => c.Id.startsWith(ref));
  if (byPrefix.length === 1) return byPrefix[0]!;
  if (byPrefix.length > 1) {
    throw new ContainerError('AmbiguousContainer', `Multiple IDs found with provided prefix: ${ref}`);
  }
  throw new ContainerError('NoSuchContainer', Messages.noSuchContainer(ref));
}

/** Docker's name rule for --name: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
export const VALID_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
