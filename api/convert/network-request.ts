import type { EndpointConfig, IpamPool, NetworkCreateRequest } from '../../common/network-types';
import { badRequest } from '../http';
import {
  checkFields,
  checkNested,
  ENDPOINT_FIELDS,
  ENDPOINT_IPAM_FIELDS,
  IPAM_FIELDS,
  IPAM_POOL_FIELDS,
  NETWORK_CREATE_FIELDS,
} from './create-schema';
import { isPlainObject, optBool, optString, optStringList, optStringMap } from './json-value';

/**
 * The networks API's bodies → the verbs' inputs: POST /networks/create's NetworkCreateRequest, and an
 * EndpointSettings (a create's NetworkingConfig.EndpointsConfig entry, a connect's EndpointConfig). What
 * cannot be honoured (IPv6, MAC addresses, swarm's fields) is refused, never dropped; the values are the host's
 * to check (networks/create.ts, runtime/create-network.ts), with Docker's messages.
 */

/** An endpoint's aliases, links and IPv4 address; undefined when it asks for nothing. */
export function toEndpointConfig(value: unknown, path: string): EndpointConfig | undefined {
  const ep = checkNested(value, ENDPOINT_FIELDS, path);
  if (!ep) return undefined;
  const out: EndpointConfig = {};
  const aliases = optStringList(ep.Aliases, `${path}.Aliases`);
  if (aliases?.length) out.Aliases = aliases;
  const links = optStringList(ep.Links, `${path}.Links`);
  if (links?.length) out.Links = links;
  const ipam = checkNested(ep.IPAMConfig, ENDPOINT_IPAM_FIELDS, `${path}.IPAMConfig`);
  const ip = optString(ipam?.IPv4Address, `${path}.IPAMConfig.IPv4Address`);
  if (ip) out.IPAMConfig = { IPv4Address: ip };
  return Object.keys(out).length ? out : undefined;
}

function toPool(value: unknown, path: string): IpamPool {
  const p = checkNested(value, IPAM_POOL_FIELDS, path);
  if (!p) throw badRequest(`invalid ${path}: want an object`);
  const pool: IpamPool = { Subnet: optString(p.Subnet, `${path}.Subnet`) ?? '' };
  const gateway = optString(p.Gateway, `${path}.Gateway`);
  if (gateway) pool.Gateway = gateway;
  const range = optString(p.IPRange, `${path}.IPRange`);
  if (range) pool.IPRange = range;
  return pool;
}

export function toNetworkCreateRequest(body: Record<string, unknown>): NetworkCreateRequest {
  checkFields(body, NETWORK_CREATE_FIELDS);
  const req: NetworkCreateRequest = { Name: optString(body.Name, 'Name') ?? '' };
  const driver = optString(body.Driver, 'Driver');
  if (driver) req.Driver = driver;
  if (optBool(body.Internal, 'Internal')) req.Internal = true;
  if (optBool(body.Attachable, 'Attachable')) req.Attachable = true;
  if (optBool(body.EnableIPv6, 'EnableIPv6')) req.EnableIPv6 = true;
  const labels = optStringMap(body.Labels, 'Labels');
  if (labels && Object.keys(labels).length) req.Labels = labels;
  const options = optStringMap(body.Options, 'Options');
  if (options && Object.keys(options).length) req.Options = options;
  const ipam = checkNested(body.IPAM, IPAM_FIELDS, 'IPAM');
  if (ipam) {
    const config = ipam.Config ?? [];
    if (!Array.isArray(config)) throw badRequest('invalid IPAM.Config: want an array');
    const ipamOptions = optStringMap(ipam.Options, 'IPAM.Options');
    req.IPAM = {
      ...(optString(ipam.Driver, 'IPAM.Driver') ? { Driver: optString(ipam.Driver, 'IPAM.Driver') } : {}),
      Config: config.map((c, i) => toPool(c, `IPAM.Config.${i}`)),
      ...(ipamOptions && Object.keys(ipamOptions).length ? { Options: ipamOptions } : {}),
    };
  }
  return req;
}

/** POST /networks/{id}/connect's body: the container and its endpoint's settings. */
export function toConnectBody(body: Record<string, unknown>): { container: string; config?: EndpointConfig } {
  for (const k of Object.keys(body))
    if (k !== 'Container' && k !== 'EndpointConfig') throw badRequest(`unknown field "${k}" in the connect request`);
  const container = optString(body.Container, 'Container');
  if (!container) throw badRequest('no container specified to connect to network');
  if (body.EndpointConfig !== undefined && body.EndpointConfig !== null && !isPlainObject(body.EndpointConfig))
    throw badRequest('invalid EndpointConfig: want an object');
  const config = toEndpointConfig(body.EndpointConfig, 'EndpointConfig');
  return config ? { container, config } : { container };
}
