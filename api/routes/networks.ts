import type { NetworkResource, NetworkView } from '../../common/network-api';
import {
  connectNetwork,
  createNetwork,
  disconnectNetwork,
  networkInspect,
  networkList,
  pruneNetworks,
  removeNetwork,
} from '../../client/network-api';
import { networkFilter, networkPruneInput } from '../convert/network-filters';
import { toConnectBody, toNetworkCreateRequest } from '../convert/network-request';
import { badRequest, boolParam } from '../http';
import type { Route } from '../router';

/** Docker's NetworkResource: the hosts that have it are ours, not Docker's. */
const resource = ({ hosts: _hosts, ...net }: NetworkView): NetworkResource => net;

/** The networks API (workflows/network-verbs.ts; reads through the reads workflow). */
export const networkRoutes: Route[] = [
  {
    method: 'GET',
    path: '/networks',
    handler: async (ctx, r, out) => {
      const keep = networkFilter(r.query);
      out.json(200, (await networkList(await ctx.session())).filter(keep).map(resource));
    },
  },
  {
    method: 'POST',
    path: '/networks/create',
    handler: async (ctx, r, out) => {
      const request = toNetworkCreateRequest(await r.json());
      const { Id, Warning } = await createNetwork(await ctx.session(), { request });
      out.json(201, { Id, Warning });
    },
  },
  {
    method: 'POST',
    path: '/networks/prune',
    handler: async (ctx, r, out) => {
      out.json(200, await pruneNetworks(await ctx.session(), networkPruneInput(r.query)));
    },
  },
  {
    method: 'GET',
    path: '/networks/{id}',
    handler: async (ctx, r, out) => {
      boolParam(r.query, 'verbose'); // accepted: a local network has no more to show
      const scope = r.query.get('scope');
      if (scope && scope !== 'local') throw badRequest(`network ${r.params.id} not found in scope ${scope}`);
      out.json(200, resource(await networkInspect(await ctx.session(), r.params.id!)));
    },
  },
  {
    method: 'DELETE',
    path: '/networks/{id}',
    handler: async (ctx, r, out) => {
      await removeNetwork(await ctx.session(), r.params.id!);
      out.empty(204);
    },
  },
  {
    method: 'POST',
    path: '/networks/{id}/connect',
    handler: async (ctx, r, out) => {
      const { container, config } = toConnectBody(await r.json());
      await connectNetwork(await ctx.session(), { network: r.params.id!, container, ...(config ? { config } : {}) });
      out.empty(200);
    },
  },
  {
    method: 'POST',
    path: '/networks/{id}/disconnect',
    handler: async (ctx, r, out) => {
      const body = await r.json();
      for (const k of Object.keys(body))
        if (k !== 'Container' && k !== 'Force') throw badRequest(`unknown field "${k}" in the disconnect request`);
      const container = typeof body.Container === 'string' ? body.Container : '';
      if (!container) throw badRequest('no container specified to disconnect from network');
      if (body.Force !== undefined && typeof body.Force !== 'boolean')
        throw badRequest('invalid Force: want a boolean');
      await disconnectNetwork(await ctx.session(), { network: r.params.id!, container, force: body.Force === true });
      out.empty(200);
    },
  },
];
