import { promises as fs } from 'node:fs';
import type { Cidr } from '../common/cidr';

/**
 * The host's IPv4 routes other than the default one (/proc/net/route of the worker's namespace, the host's):
 * a network's subnet must not hide one, or its containers could not reach that part of the host's world.
 */
export async function hostRoutes(file = '/proc/net/route'): Promise<Cidr[]> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return parseRoutes(text);
}

/** /proc/net/route's lines (pure): destination and mask are little-endian hex. */
export function parseRoutes(text: string): Cidr[] {
  const out: Cidr[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const dest = le(f[1]!);
    const mask = le(f[7]!);
    if (mask === 0) continue; // the default route
    const prefix = 32 - Math.log2(2 ** 32 - mask);
    if (!Number.isInteger(prefix)) continue;
    out.push({ base: dest, prefix });
  }
  return out;
}

const le = (hex: string): number => {
  const n = Number.parseInt(hex, 16) >>> 0;
  return (((n & 255) << 24) | (((n >>> 8) & 255) << 16) | (((n >>> 16) & 255) << 8) | (n >>> 24)) >>> 0;
};
