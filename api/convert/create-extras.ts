import { validDeviceMode } from '../../common/devices';
import type { DeviceMapping, HostConfig } from '../../common/types';
import { badRequest } from '../http';
import { checkFields, type FieldRule } from './create-schema';
import { isPlainObject, optBool, optInt, optString, optStringList } from './json-value';

/**
 * Config.StopTimeout: seconds a stop without `t` waits before SIGKILL. Docker's -1 (wait forever) is not
 * offered, as a negative `t` on stop is not.
 */
export function stopTimeoutField(v: unknown): number | undefined {
  const t = optInt(v, 'StopTimeout');
  if (t === undefined || t === null) return undefined;
  if (t < 0) throw badRequest('container-saga does not support a negative StopTimeout (wait forever)');
  return t;
}

/** HostConfig.Init, Devices and GroupAdd, each only when set; the create and start steps check their values. */
export function extraHostFields(hc: Record<string, unknown>): Partial<HostConfig> {
  const out: Partial<HostConfig> = {};
  if (optBool(hc.Init, 'HostConfig.Init')) out.Init = true;
  const shares = optInt(hc.CpuShares, 'HostConfig.CpuShares');
  if (shares) out.CpuShares = shares;
  const groups = optStringList(hc.GroupAdd, 'HostConfig.GroupAdd');
  if (groups && groups.length > 0) out.GroupAdd = groups;
  const devices = deviceList(hc.Devices);
  if (devices.length > 0) out.Devices = devices;
  return out;
}

const DEVICE_FIELDS: Readonly<Record<string, FieldRule>> = {
  PathOnHost: 'convert',
  PathInContainer: 'convert',
  CgroupPermissions: 'convert',
};

function deviceList(v: unknown): DeviceMapping[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw badRequest('invalid HostConfig.Devices: want an array');
  return v.map((d, i) => {
    const path = `HostConfig.Devices[${i}]`;
    if (!isPlainObject(d)) throw badRequest(`invalid ${path}: want an object`);
    checkFields(d, DEVICE_FIELDS, `${path}.`);
    const onHost = optString(d.PathOnHost, `${path}.PathOnHost`) ?? '';
    if (onHost === '') throw badRequest(`invalid ${path}: PathOnHost is empty`);
    // as the daemon takes what an API client sends: no container path is the host's, no permissions rwm
    const inContainer = optString(d.PathInContainer, `${path}.PathInContainer`) || onHost;
    if (!inContainer.startsWith('/')) throw badRequest(`${inContainer} is not an absolute path`);
    const mode = optString(d.CgroupPermissions, `${path}.CgroupPermissions`) || 'rwm';
    if (!validDeviceMode(mode)) throw badRequest(`bad mode specified: ${mode}`);
    return { PathOnHost: onHost, PathInContainer: inContainer, CgroupPermissions: mode };
  });
}
