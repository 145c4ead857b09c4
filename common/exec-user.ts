import { ContainerError } from './errors';

/** The user a container's process runs as: what runc's user.GetExecUser finds and Docker's getUser passes on. */
export interface ExecUser {
  uid: number;
  gid: number;
  /** Docker's AdditionalGids: the primary group first, then the user's groups in /etc/group */
  additionalGids: number[];
  /** the user's home from /etc/passwd, else `/` (runc's default) */
  home: string;
}

const MAX_ID = 2 ** 31 - 1;

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}
interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** runc's parseLine for an int field: a bad number reads as 0. */
const num = (s: string | undefined) => (/^-?\d+$/.test(s ?? '') ? Number(s) : 0);

function lines(text: string): string[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => l.split(':'));
}

const parsePasswd = (text: string): PasswdEntry[] =>
  lines(text).map((f) => ({ name: f[0] ?? '', uid: num(f[2]), gid: num(f[3]), home: f[5] ?? '' }));

const parseGroup = (text: string): GroupEntry[] =>
  lines(text).map((f) => ({ name: f[0] ?? '', gid: num(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));

const notFound = (what: string) => new ContainerError('StartFailed', what, { retryable: false });

/**
 * runc's user.GetExecUser with Docker's defaults (uid 0, gid 0): `spec` is user[:group], each a name or a
 * number. A number need not exist in the files (a uid not in passwd runs with gid 0); a name must
 * ("unable to find user x: no matching entries in passwd file"). A user found by name or number gets its
 * passwd gid and, unless a group is given, its /etc/group memberships as supplementary groups. Absent files
 * (undefined) are files without entries. Throws Docker's message as a non-retryable StartFailed.
 */
export function resolveExecUser(spec: string, passwd: string | undefined, group: string | undefined): ExecUser {
  const colon = spec.indexOf(':');
  const userArg = colon < 0 ? spec : spec.slice(0, colon);
  // runc's parseLine: a third field is ignored
  const groupArg = colon < 0 ? '' : spec.slice(colon + 1).split(':')[0]!;
  const userNum = /^-?\d+$/.test(userArg) ? Number(userArg) : undefined;
  const groupNum = /^-?\d+$/.test(groupArg) ? Number(groupArg) : undefined;

  const users = parsePasswd(passwd ?? '');
  const match = users.find((u) =>
    userArg === '' ? u.uid === 0 : userNum !== undefined ? u.uid === userNum : u.name === userArg,
  );
  let uid = 0;
  let gid = 0;
  let home = '/';
  if (match) {
    ({ uid, gid } = match);
    home = match.home || '/';
  } else if (userArg !== '') {
    if (userNum === undefined) throw notFound(`unable to find user ${userArg}: no matching entries in passwd file`);
    if (userNum < 0 || userNum > MAX_ID) throw notFound('uids and gids must be in range 0-2147483647');
    uid = userNum;
  }

  let sgids: number[] = [];
  if (groupArg !== '' || match) {
    const groups = parseGroup(group ?? '');
    if (groupArg !== '') {
      const g = groups.find((x) => (groupNum !== undefined ? x.gid === groupNum : x.name === groupArg));
      if (g) gid = g.gid;
      else if (groupNum === undefined)
        throw notFound(`unable to find group ${groupArg}: no matching entries in group file`);
      else if (groupNum < 0 || groupNum > MAX_ID) throw notFound('uids and gids must be in range 0-2147483647');
      else gid = groupNum;
    } else {
      sgids = groups.filter((g) => g.members.includes(match!.name)).map((g) => g.gid);
    }
  }
  return { uid, gid, additionalGids: [gid, ...sgids], home };
}
