import { parseNetMode } from '../../common/net-mode';
import type { ContainerRecord } from '../../common/types';

/**
 * What a container's record says about its network and mounts, in the shapes Docker's inspect and list
 * both use: NetworkSettings.Networks (one endpoint, on the network of its mode), Mounts (its binds and named
 * volumes; --tmpfs mounts are not listed, as in Docker).
 */

/**
 * NetworkSettings.Networks: bridge, host or none by its mode; a container sharing another's network has none of its
 * own.
 */
export function networksOf(rec: ContainerRecord): Record<string, unknown> {
  const mode = parseNetMode(rec.HostConfig.NetworkMode);
  if (!mode || mode.kind === 'container') return {};
  const ns = rec.NetworkSettings;
  return {
    [mode.kind]: {
      IPAMConfig: null,
      Links: null,
      Aliases: null,
      NetworkID: '',
      EndpointID: '',
      Gateway: ns.Gateway,
      IPAddress: ns.IPAddress,
      IPPrefixLen: ns.IPPrefixLen,
      IPv6Gateway: '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      MacAddress: ns.MacAddress,
      DriverOpts: null,
    },
  };
}

export interface MountPoint {
  Type: 'bind' | 'volume';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

/** Mounts: each bind (absolute source) and named volume of -v, in order. */
export function mountsOf(rec: ContainerRecord): MountPoint[] {
  return rec.HostConfig.Binds.map((bind) => {
    const [source = '', destination = '', mode = ''] = bind.split(':');
    const rw = mode !== 'ro';
    if (source.startsWith('/'))
      return { Type: 'bind', Source: source, Destination: destination, Mode: mode, RW: rw, Propagation: 'rprivate' };
    // the volume's directory is on the worker's host, which the API need not be on
    return {
      Type: 'volume',
      Name: source,
      Source: '',
      Destination: destination,
      Driver: 'local',
      Mode: mode === '' ? 'z' : mode,
      RW: rw,
      Propagation: '',
    };
  });
}
