import { promises as fs } from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import path from 'node:path';

/**
 * Where the Engine API listens: its unix socket (mode 0660, like docker.sock: write access to it is root
 * access to the host), and optionally a loopback TCP port. A socket file left by a server that is gone is
 * replaced; one that still answers is not taken over.
 */
export async function listenOnSocket(server: http.Server, socketPath: string): Promise<void> {
  await fs.mkdir(path.dirname(socketPath), { recursive: true, mode: 0o755 });
  if (await answers(socketPath)) throw new Error(`another server already listens on ${socketPath}`);
  await fs.rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await fs.chmod(socketPath, 0o660);
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
