import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';

/**
 * The socket's directory, checked the way ssh checks ~/.ssh: whoever may write to it may replace the socket
 * with one of their own (and read what clients send, X-Registry-Auth included), so it must be ours and
 * writable by no one else. A missing one is made private: 0700 for a user, 0755 for root (Docker's /run)
 * or when a group must reach the socket.
 */
export async function prepareSocketDir(
  dir: string,
  opts: { shared: boolean; uid?: number } = { shared: false },
): Promise<void> {
  const uid = opts.uid ?? process.getuid!();
  await fs.mkdir(dir, { recursive: true, mode: uid === 0 || opts.shared ? 0o755 : 0o700 });
  const st = await fs.stat(dir);
  if (!st.isDirectory()) throw new Error(`the API socket's directory ${dir} is not a directory`);
  if (st.uid !== uid)
    throw new Error(
      `the API socket's directory ${dir} belongs to uid ${st.uid}, not to this user (uid ${uid}): refusing to listen there (choose another CONTAINER_SAGA_API_SOCKET)`,
    );
  if ((st.mode & 0o022) !== 0)
    throw new Error(
      `the API socket's directory ${dir} is writable by group or others (mode ${(st.mode & 0o7777).toString(8)}): anyone who may write there can replace the socket; run chmod go-w ${dir} or choose another CONTAINER_SAGA_API_SOCKET`,
    );
}

/** The gid of CONTAINER_SAGA_API_GROUP (a name, looked up with getent as libc would, or a number). */
export async function groupId(group: string): Promise<number> {
  if (/^\d+$/.test(group)) return Number(group);
  const line = await new Promise<string | undefined>((resolve, reject) => {
    execFile('getent', ['group', '--', group], (err, stdout) => {
      // getent exits 2 for a name it does not know.
      if (err && (err as { code?: unknown }).code === 2) resolve(undefined);
      else if (err) reject(new Error(`cannot look up group ${group}: ${err.message}`));
      else resolve(stdout.trim());
    });
  });
  const gid = line?.split(':')[2];
  if (gid === undefined || !/^\d+$/.test(gid))
    throw new Error(`CONTAINER_SAGA_API_GROUP: there is no group named "${group}" on this host (groupadd ${group}?)`);
  return Number(gid);
}
