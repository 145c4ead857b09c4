import { ContainerError } from './errors';

const MAX_ID = 2 ** 31 - 1;

/**
 * --group-add as runc's user.GetAdditionalGroups resolves it for Docker's getUser: each entry is the first
 * group of the container's /etc/group (`group`; undefined: none) with that name or gid, else a number (need
 * not exist in the file), else Docker's "Unable to find group x: no matching entries in group file". Each
 * gid once, in the order given. Throws a non-retryable StartFailed, as the start step reports it.
 */
export function additionalGroups(groupAdd: readonly string[], group: string | undefined): number[] {
  const entries = (group ?? '')
    .split('\n')
    .map((l) => l.trim().split(':'))
    .filter((f) => f[0] !== '' && f.length >= 3)
    .map((f) => ({ name: f[0]!, gid: f[2]! }));
  const gids: number[] = [];
  for (const ag of groupAdd) {
    const match = entries.find((g) => g.name === ag || g.gid === ag);
    let gid: number;
    if (match && /^\d+$/.test(match.gid)) gid = Number(match.gid);
    else if (/^-?\d+$/.test(ag)) {
      gid = Number(ag);
      if (gid < 0 || gid > MAX_ID)
        throw new ContainerError('StartFailed', 'uids and gids must be in range 0-2147483647', { retryable: false });
    } else
      throw new ContainerError('StartFailed', `Unable to find group ${ag}: no matching entries in group file`, {
        retryable: false,
      });
    if (!gids.includes(gid)) gids.push(gid);
  }
  return gids;
}
