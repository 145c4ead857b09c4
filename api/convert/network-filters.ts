import type { NetworkPruneInput, NetworkResource } from '../../common/network-api';
import { isPredefinedNetwork } from '../../common/network-types';
import { hasLabel } from '../../networks/resource';
import { badRequest, filtersParam } from '../http';
import { untilTime } from './image-prune';
import { matches } from './list-filters';

/**
 * GET /networks' `filters`, as Docker's daemon/network/filter.go reads them:
 *   name, id   Docker's match (a value equal, or a regular expression found in it);
 *   driver, scope  exact;
 *   label      `key` or `key=value`;
 *   type       custom (user-defined) or builtin (bridge, host, none);
 *   dangling   true: user networks no running container is on; false: networks in use, and the builtin ones.
 * Values of one filter are alternatives; filters all apply. Any other filter name is Docker's 400.
 */
export const NETWORK_FILTERS = ['name', 'id', 'driver', 'scope', 'label', 'type', 'dangling'] as const;

function boolFilter(name: string, values: readonly string[]): boolean | undefined {
  if (values.length === 0) return undefined;
  if (values.length > 1) throw badRequest(`got more than one value for filter key "${name}"`);
  const v = values[0]!.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw badRequest(`invalid value for filter '${name}', must be 'true' (or '1'), or 'false' (or '0')`);
}

/** Which networks `filters` keeps; a bad filter is Docker's 400. */
export function networkFilter(q: URLSearchParams): (n: NetworkResource) => boolean {
  const f = filtersParam(q, NETWORK_FILTERS);
  const types = f.get('type') ?? [];
  for (const t of types) if (t !== 'custom' && t !== 'builtin') throw badRequest(`invalid filter: 'type'='${t}'`);
  const dangling = boolFilter('dangling', f.get('dangling') ?? []);
  const [name, id, driver, scope, label] = ['name', 'id', 'driver', 'scope', 'label'].map((k) => f.get(k));
  return (n) => {
    if (name && !matches(name, n.Name)) return false;
    if (id && !matches(id, n.Id)) return false;
    if (driver && !driver.includes(n.Driver)) return false;
    if (scope && !scope.includes(n.Scope)) return false;
    if (label && !label.every((l) => hasLabel(n.Labels, l))) return false;
    const builtin = isPredefinedNetwork(n.Name);
    if (types.length && !types.includes(builtin ? 'builtin' : 'custom')) return false;
    if (dangling !== undefined) {
      const isDangling = !builtin && Object.keys(n.Containers).length === 0;
      if (dangling !== isDangling) return false;
    }
    return true;
  };
}

/** POST /networks/prune's filters (label, label!, until) as the host applies them; a bad one is Docker's 400. */
export function networkPruneInput(q: URLSearchParams, now = Date.now()): NetworkPruneInput {
  const f = filtersParam(q, ['label', 'label!', 'until']);
  const input: NetworkPruneInput = {};
  if (f.get('label')?.length) input.labels = f.get('label');
  if (f.get('label!')?.length) input.labelsNot = f.get('label!');
  const until = f.get('until') ?? [];
  if (until.length > 1) throw badRequest('more than one until filter specified');
  if (until[0] !== undefined) input.until = untilTime(until[0], now);
  return input;
}
