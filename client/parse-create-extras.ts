import { parseDeviceSpec } from '../common/devices';
import { parseSignal } from '../common/signals';
import type { CreateRequest, HostConfig } from '../common/types';
import { usageError } from './errors';

/** The create flags of issue 27's part (stop, init, devices, groups), as commander hands them over. */
export interface ExtraCreateFlags {
  stopSignal?: string;
  stopTimeout?: string;
  init?: boolean;
  groupAdd?: string[];
  device?: string[];
  cpuShares?: string;
}

function bad(value: string, flag: string, why: string): never {
  throw usageError(`invalid argument "${value.replace(/["\\]/g, '\\$&')}" for "${flag}" flag: ${why}`, 'create');
}

/** These flags as the docker CLI parses them: what they add to the request and to its hostConfig. */
export function extraCreateFields(flags: ExtraCreateFlags): {
  request: Pick<CreateRequest, 'stopTimeout'>;
  hostConfig: Partial<HostConfig>;
} {
  if (flags.stopSignal !== undefined) {
    try {
      parseSignal(flags.stopSignal);
    } catch (err) {
      bad(flags.stopSignal, '--stop-signal', (err as Error).message);
    }
  }
  const request: Pick<CreateRequest, 'stopTimeout'> = {};
  if (flags.stopTimeout !== undefined) {
    if (!/^\d+$/.test(flags.stopTimeout))
      bad(flags.stopTimeout, '--stop-timeout', 'must be a whole number of seconds (a negative one is not offered)');
    request.stopTimeout = Number(flags.stopTimeout);
  }
  const hostConfig: Partial<HostConfig> = {};
  if (flags.init) hostConfig.Init = true;
  if (flags.cpuShares !== undefined) {
    if (!/^-?\d+$/.test(flags.cpuShares)) bad(flags.cpuShares, '-c, --cpu-shares', 'must be an integer');
    if (Number(flags.cpuShares) !== 0) hostConfig.CpuShares = Number(flags.cpuShares);
  }
  if (flags.groupAdd?.length) hostConfig.GroupAdd = flags.groupAdd;
  const devices = (flags.device ?? []).map((d) => {
    try {
      return parseDeviceSpec(d);
    } catch (err) {
      return bad(d, '--device', (err as Error).message);
    }
  });
  if (devices.length > 0) hostConfig.Devices = devices;
  return { request, hostConfig };
}
