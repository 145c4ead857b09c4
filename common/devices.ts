/** Docker's DeviceMapping: `--device /dev/x[:/dev/y][:rwm]` */
export interface DeviceMapping {
  PathOnHost: string;
  PathInContainer: string;
  /** some of r, w and m */
  CgroupPermissions: string;
}

/** Docker's validDeviceMode: some of r, w and m, each at most once. */
export function validDeviceMode(mode: string): boolean {
  return mode !== '' && /^[rwm]+$/.test(mode) && new Set(mode).size === mode.length;
}

/**
 * `--device /dev/x[:/dev/y][:rwm]` as the docker CLI reads it (validateLinuxPath, then parseLinuxDevice): the
 * container path defaults to the host's, the permissions to rwm; a middle part that is a mode is the mode.
 * Throws the CLI's message.
 */
export function parseDeviceSpec(spec: string): DeviceMapping {
  const parts = spec.split(':');
  if (parts.length > 3 || parts[0] === '') throw new Error(`bad format for path: ${spec}`);
  let dst = '';
  let mode = 'rwm';
  if (parts.length === 3) {
    if (!validDeviceMode(parts[2]!)) throw new Error(`bad mode specified: ${parts[2]}`);
    [dst, mode] = [parts[1]!, parts[2]!];
  } else if (parts.length === 2) {
    if (validDeviceMode(parts[1]!)) mode = parts[1]!;
    else dst = parts[1]!;
  }
  const containerPath = dst || parts[0]!;
  if (!containerPath.startsWith('/')) throw new Error(`${containerPath} is not an absolute path`);
  return { PathOnHost: parts[0]!, PathInContainer: containerPath, CgroupPermissions: mode };
}
