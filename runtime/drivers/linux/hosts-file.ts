import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Layout } from '../layout';

/** Where the peer lines start in a container's hosts file: what the spec wrote stays above it. */
export const PEERS_MARKER = '# container-saga: containers on the same user-defined networks';

/** The file with the peer section replaced (pure): none when there are no peers. */
export function withPeers(text: string, lines: readonly string[]): string {
  const at = text.indexOf(`${PEERS_MARKER}\n`);
  const base = at >= 0 ? text.slice(0, at) : text;
  return lines.length > 0 ? `${base}${PEERS_MARKER}\n${lines.join('\n')}\n` : base;
}

/**
 * Rewrites the peer section of the container's /etc/hosts source in place: the container has it bind-mounted,
 * and a bind mount pins the inode, so the file is truncated and written, never replaced. No file yet (the
 * spec step writes it, then asks for its peers): nothing to do.
 */
export async function writePeerHosts(layout: Layout, id: string, lines: readonly string[]): Promise<void> {
  const file = path.join(layout.bundle(id), 'hosts');
  const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (text === undefined) return;
  const next = withPeers(text, lines);
  if (next !== text) await fs.writeFile(file, next);
}
