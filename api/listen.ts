import { promises as fs, statSync, unlinkSync } from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { prepareSocketDir } from './socket-dir';

/**
 * Where the Engine API listens: its unix socket (mode 0660, like docker.sock: write access to it is root
 * access to the host; group `gid` when given), and optionally a TCP port. A socket file left by a server
 * that is gone is replaced; one that still answers is not taken over.
 *
 * The socket is bound inside a private (0700) directory beside its final path, given its mode and group
 * there, and renamed into place: it never exists where others can reach it with the umask's mode (Node's
 * own readableAll/writableAll chmod after binding; changing the umask would race other threads' files).
 */
export async function listenOnSocket(
  server: http.Server,
  socketPath: string,
  opts: { gid?: number } = {},
): Promise<void> {
  const dir = path.dirname(socketPath);
  await prepareSocketDir(dir, { shared: opts.gid !== undefined });
  if (await answers(socketPath)) throw new Error(`another server already listens on ${socketPath}`);
  const staging = await fs.mkdtemp(path.join(dir, '.api-'));
  const staged = path.join(staging, 's');
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(staged, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await fs.chmod(staged, 0o660);
    if (opts.gid !== undefined)
      await fs.chown(staged, -1, opts.gid).catch((err: NodeJS.ErrnoException) => {
        throw new Error(
          `cannot give the API socket to group ${opts.gid}: ${err.code ?? err.message} (is this user in it?)`,
        );
      });
    await fs.rename(staged, socketPath);
  } catch (err) {
    if (server.listening) await new Promise((r) => server.close(r));
    throw err;
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
  // Node removes the path it bound (now gone) on close; the renamed socket is removed here, if still ours.
  const { ino } = await fs.stat(socketPath);
  server.once('close', () => {
    try {
      if (statSync(socketPath).ino === ino) unlinkSync(socketPath);
    } catch {
      // already gone
    }
  });
}

export async function listenOnTcp(server: http.Server, host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(socketPath);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}
