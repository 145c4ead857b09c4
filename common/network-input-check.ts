/** The shapes of the network inputs the workflows take (common/input-check.ts checks them). */
import type { EndpointConfig, NetworkCreateRequest } from './network-types';
import { bool, list, map, obj, opt, req, str, type Field } from './value-checks';

const ENDPOINT_CONFIG: { [K in keyof EndpointConfig]-?: Field } = {
  Aliases: opt(list(str)),
  Links: opt(list(str)),
  IPAMConfig: opt(obj({ IPv4Address: opt(str) }, true)),
};

export const ipamPool = obj({ Subnet: req(str), Gateway: opt(str), IPRange: opt(str) }, true);
const NETWORK_CREATE_REQUEST: { [K in keyof NetworkCreateRequest]-?: Field } = {
  Name: req(str),
  Driver: opt(str),
  Internal: opt(bool),
  Attachable: opt(bool),
  EnableIPv6: opt(bool),
  Labels: opt(map(str)),
  Options: opt(map(str)),
  IPAM: opt(obj({ Driver: opt(str), Config: opt(list(ipamPool)), Options: opt(map(str)) }, true)),
};
export const networkCreateRequest = obj(NETWORK_CREATE_REQUEST, true);

export const endpointConfig = obj(ENDPOINT_CONFIG, true);
