import { readFileSync } from 'node:fs';
import { ALL_CAPABILITIES } from '../../../common/capabilities';

let cached: ReadonlySet<string> | undefined;

/**
 * The capabilities this process's bounding set holds (/proc/self/status CapBnd): the most any container it
 * starts can have. A VM or an outer container may lack some (CAP_SYS_RESOURCE, say); runc fails a start
 * asking for one ("unable to apply caps"), so a privileged container gets every capability the host has.
 */
export function hostCapabilities(status = '/proc/self/status'): ReadonlySet<string> {
  if (cached && status === '/proc/self/status') return cached;
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync(status, 'utf8'))?.[1];
  const bits = hex === undefined ? -1n : BigInt(`0x${hex}`);
  const caps = new Set(ALL_CAPABILITIES.filter((_, i) => bits === -1n || (bits >> BigInt(i)) & 1n));
  if (status === '/proc/self/status') cached = caps;
  return caps;
}
