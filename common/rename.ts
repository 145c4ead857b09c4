import { parseLink } from './env';
import { ContainerError } from './errors';
import { VALID_NAME } from './lookup';
import { bareName } from './names';

/**
 * Docker's rename rules (moby daemon/rename.go, names.go reserveName), pure: the workflow checks the new name
 * before it asks any host, the host again under the container's lock, with the same messages.
 */

export const RenameMessages = {
  empty: 'Neither old nor new names may be empty',
  same: 'Renaming a container with the same name as its current name',
  invalid: (slashed: string) =>
    `Error when allocating new name: Invalid container name (${slashed}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
  taken: (slashed: string, id: string) =>
    `Error when allocating new name: Conflict. The container name "${slashed}" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
} as const;

/** The new name with its leading slash (Docker adds it first), or Docker's 400 for an empty or invalid one. */
export function checkNewName(name: string): string {
  if (name === '') throw new ContainerError('InvalidParameter', RenameMessages.empty);
  const slashed = name.startsWith('/') ? name : `/${name}`;
  if (!VALID_NAME.test(slashed)) throw new ContainerError('InvalidParameter', RenameMessages.invalid(slashed));
  return slashed;
}

/** Docker's 409 for a new name another container holds. */
export function nameTaken(slashed: string, holderId: string): ContainerError {
  return new ContainerError('Conflict', RenameMessages.taken(slashed, holderId));
}

/**
 * A parent's --link specs after its child was renamed: a spec that names the child by its old name names the
 * new one and keeps its alias (`db` becomes `db2:db`), as Docker's link index shows the child under its new
 * name; undefined when no spec names it (a spec by ID prefix names it still).
 */
export function renamedLinks(links: readonly string[], oldName: string, newName: string): string[] | undefined {
  const from = bareName(oldName);
  const to = bareName(newName);
  let changed = false;
  const out = links.map((spec) => {
    const { name, alias } = parseLink(spec);
    if (name !== from) return spec;
    changed = true;
    return `${to}:${alias}`;
  });
  return changed ? out : undefined;
}
