import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError } from '../../../common/errors';
import type { DeviceMapping } from '../../../common/types';
import { deviceOf, hostDevices } from './host-devices';
import type { OciDevice } from './spec';

/** A devices cgroup rule (type, major and minor absent: every device). */
export type OciDeviceRule = { allow: boolean; access: string; type?: 'c' | 'b'; major?: number; minor?: number };

/** A device node the container gets, and its cgroup rule's access (some of r, w, m). */
export interface DeviceNode extends OciDevice {
  access: string;
}

const gatherError = (pathOnHost: string, why: string) =>
  new ContainerError(
    'StartFailed',
    `error gathering device information while adding custom device ${JSON.stringify(pathOnHost)}: ${why}`,
    { retryable: false },
  );

/**
 * --device as Docker's devicesFromPath reads it on the host: the path with its links resolved, one character
 * or block device, or a directory's devices (each under the container path); anything else, or a missing
 * path, is Docker's start error. Both drivers resolve the same way, so a bad device fails alike.
 */
export async function resolveDevices(mappings: readonly DeviceMapping[]): Promise<DeviceNode[]> {
  const out: DeviceNode[] = [];
  for (const m of mappings) {
    let real: string;
    try {
      real = await fs.realpath(m.PathOnHost);
    } catch (err) {
      throw gatherError(
        m.PathOnHost,
        (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : String(err),
      );
    }
    const access = m.CgroupPermissions || 'rwm';
    const one = await deviceOf(real);
    if (one) {
      out.push({ ...one, path: m.PathInContainer, access });
      continue;
    }
    const stat = await fs.stat(real);
    const under = stat.isDirectory() ? await hostDevices(real) : [];
    if (under.length === 0) throw gatherError(m.PathOnHost, 'not a device node');
    for (const d of under) out.push({ ...d, path: path.join(m.PathInContainer, path.relative(real, d.path)), access });
  }
  return out;
}
