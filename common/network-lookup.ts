import { ContainerError } from './errors';

/** Docker's network lookup (pure): the exact name, then the full ID, then a unique ID prefix. */
export function findNetworkIn<T extends { Name: string; Id: string }>(all: readonly T[], ref: string): T | undefined {
  const byName = all.find((n) => n.Name === ref);
  if (byName) return byName;
  const byId = all.find((n) => n.Id === ref);
  if (byId) return byId;
  if (!/^[0-9a-f]+$/.test(ref)) return undefined;
  const prefixed = all.filter((n) => n.Id.startsWith(ref));
  if (prefixed.length > 1)
    throw new ContainerError(
      'InvalidParameter',
      `network ${ref} is ambiguous (${prefixed.length} matches found based on ID prefix)`,
    );
  return prefixed[0];
}

export const noSuchNetwork = (ref: string) => `network ${ref} not found`;
